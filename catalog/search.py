"""Turning product text into search terms, and search queries into the same terms."""
import re
import unicodedata

MIN_PREFIX = 3
MAX_PREFIX = 15
MAX_WORDS_INDEXED = 60
MAX_QUERY_WORDS = 3
_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """Return the distinct normalised words of *text*, in order."""
    normalised = unicodedata.normalize("NFKC", text or "").casefold()
    seen: dict[str, None] = {}
    for word in _WORD.findall(normalised):
        word = word.strip("_")
        if len(word) >= MIN_PREFIX:
            seen.setdefault(word[:MAX_PREFIX], None)
    return list(seen)


def terms_for(*, name: str, description: str) -> set[str]:
    """Return every indexed prefix for a product: each word's prefixes of 3 to 15 characters."""
    result: set[str] = set()
    for word in words(f"{name} {description}")[:MAX_WORDS_INDEXED]:
        for length in range(MIN_PREFIX, len(word) + 1):
            result.add(word[:length])
    return result


def query_terms(query: str) -> list[str]:
    """Return the terms to look up for a shopper's query (at most three words)."""
    return words(query)[:MAX_QUERY_WORDS]
