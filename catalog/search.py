"""Turning product text into search terms, and search queries into the same terms.

A product's terms, written with the product (catalog.services.search_terms_write), are

- every prefix of 3 to 15 letters of each word and of each word's stem (Snowball's English stemmer:
  "lamps" and "lamp" share the stem "lamp", "happiness" and "happy" share "happi"): typing "lam" or
  searching "lamps" both find a lamp;
- one group term per two and per three distinct name words (their stems, sorted, joined by a space): a
  search of several words starts from its group's items, which hold only products whose name has them all,
  instead of every product with the commonest word.

A query word is looked up as its stem, which is a prefix of every form of the word indexed. Typos are
handled apart (catalog.selectors.search_correction) from a vocabulary of name words and their one-letter
deletions (``deletions``), the symmetric-delete way: two words one edit apart share a deletion.
"""
import re
import unicodedata
from functools import lru_cache
from itertools import combinations

import snowballstemmer

MIN_PREFIX = 3
MAX_PREFIX = 15
MAX_WORDS_INDEXED = 60
MAX_QUERY_WORDS = 3
MAX_PAIR_WORDS = 8  # the first distinct name words that make pair terms: at most 28 pairs a product
MAX_TRIPLE_WORDS = 6  # ... and triples: at most 20 a product
MIN_TYPO_LENGTH = 4  # shorter words are too easily another word with one letter changed
_WORD = re.compile(r"\w+", re.UNICODE)
_stemmer = snowballstemmer.stemmer("english")


def words(text: str) -> list[str]:
    """Return the distinct normalised words of *text*, in order."""
    normalised = unicodedata.normalize("NFKC", text or "").casefold()
    seen: dict[str, None] = {}
    for word in _WORD.findall(normalised):
        word = word.strip("_")
        if len(word) >= MIN_PREFIX:
            seen.setdefault(word[:MAX_PREFIX], None)
    return list(seen)


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """The word's stem, or the word itself when the stem would be shorter than a term (``ties`` stays whole)."""
    stemmed = _stemmer.stemWord(word)
    return stemmed if len(stemmed) >= MIN_PREFIX else word


def group_term(*stems: str) -> str:
    """The group term of two or three stems: order does not matter."""
    return " ".join(sorted(stems))


def groups_for(name: str) -> set[str]:
    """The group terms of a product's name: its pairs and triples of distinct word stems."""
    stems = list(dict.fromkeys(stem(word) for word in words(name)))
    return ({group_term(*two) for two in combinations(stems[:MAX_PAIR_WORDS], 2)}
            | {group_term(*three) for three in combinations(stems[:MAX_TRIPLE_WORDS], 3)})


def terms_for(*, name: str, description: str) -> set[str]:
    """Return every indexed term of a product: word and stem prefixes, and its name's group terms (pairs and triples)."""
    result: set[str] = set()
    for word in words(f"{name} {description}")[:MAX_WORDS_INDEXED]:
        for form in {word, stem(word)}:
            for length in range(MIN_PREFIX, len(form) + 1):
                result.add(form[:length])
    return result | groups_for(name)


def query_terms(query: str) -> list[str]:
    """Return the terms to look up for a shopper's query (at most three words), each as its stem."""
    return list(dict.fromkeys(stem(word) for word in words(query)))[:MAX_QUERY_WORDS]


def query_groups(terms: list[str]) -> list[str]:
    """The group terms a search of several words reads first, most specific first: all three words, then the
    two longest."""
    longest = sorted(terms, key=lambda term: (-len(term), term))
    return [group_term(*longest[:size]) for size in (3, 2) if len(terms) >= size]


def matches(term: str, name: str) -> bool:
    """Whether a query term matches a word of *name* as the index would (a prefix of the word or its stem)."""
    return any(word.startswith(term) or stem(word).startswith(term) for word in words(name))


def relevance(terms: list[str], name: str) -> int:
    """How well *name* answers the terms: 3 a point for a whole word (any form), 2 for a word begun, 0 when the
    term is only in the description."""
    name_words = words(name)
    score = 0
    for term in terms:
        if any(stem(word) == term or word == term for word in name_words):
            score += 3
        elif any(word.startswith(term) or stem(word).startswith(term) for word in name_words):
            score += 2
    return score


def deletions(word: str) -> set[str]:
    """The word and every form of it with one letter left out: two words one edit (a letter added, dropped,
    changed or two swapped) apart always share one of these."""
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


def vocabulary_for(name: str) -> set[str]:
    """The name words a typo can be corrected to."""
    return {word for word in words(name) if len(word) >= MIN_TYPO_LENGTH and word.isalpha()}


def edit_distance(a: str, b: str) -> int:
    """Damerau–Levenshtein distance (adjacent swaps count one), for words of at most 15 letters."""
    previous2, previous = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]
