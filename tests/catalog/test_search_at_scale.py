"""Search at 5,000 products: every page's result set, put together, is exactly the brute-force answer."""
import random
import uuid

import pytest

from catalog import search, selectors
from catalog.models import SearchTerm

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("tables")]
ADJECTIVES = ["classic", "compact", "copper", "rustic", "modern", "vintage", "sturdy", "slim", "deluxe", "simple"]
NOUNS = ["knife", "kettle", "lamp", "chair", "basket", "board", "mug", "vase", "clock", "blanket"]
COLOURS = ["red", "blue", "green", "amber", "black", "white", "grey", "teal", "ivory", "olive"]


QUERIES = ["classic knife", "copper kett red", "vintage", "lamp teal", "slim mug ivory", "zebra", "knife vase"]


@pytest.fixture
def catalog_of_5000():
    """5,000 products' search items, written straight to the index as product_create writes them.

    Only the items of the terms the queries below look up are written: a search
    reads nothing else, and writing every prefix of every name (ten times as
    many items) would only make the test slow.
    """
    rng = random.Random(7)
    wanted = {term for query in QUERIES for term in search.query_terms(query)}
    wanted |= {group for query in QUERIES for group in search.query_groups(search.query_terms(query))}
    names = {}
    with SearchTerm.batch_write() as batch:
        for number in range(5000):
            name = f"{rng.choice(ADJECTIVES).title()} {rng.choice(NOUNS)} {rng.choice(COLOURS)}"
            product_id = str(uuid.uuid4())
            for term in search.terms_for(name=name, description="") & wanted:
                batch.save(SearchTerm(term, product_id, name=name, slug=f"p-{number}", price_cents=100, category_id="c"))
            names[product_id] = name
    return names


def brute_force(names, query):
    wanted = search.query_terms(query)
    return {pid for pid, name in names.items() if all(search.matches(term, name) for term in wanted)}


def all_pages(query, count_calls):
    seen, cursor, pages, calls_per_page = [], None, 0, []
    while True:
        with count_calls() as calls:
            result = selectors.product_search(query=query, cursor=cursor, correct=False)
        calls_per_page.append(len(calls))
        seen += [card.product_id for card in result.items]
        pages += 1
        cursor = result.next_cursor
        if not cursor:
            return seen, pages, calls_per_page
        assert pages < 400


def test_every_match_on_some_page_no_false_hits_and_a_bounded_cost(catalog_of_5000, count_calls):
    for query in QUERIES:
        expected = brute_force(catalog_of_5000, query)
        seen, pages, calls_per_page = all_pages(query, count_calls)
        assert len(seen) == len(set(seen)), f"{query}: a product appeared on two pages"
        assert set(seen) == expected, query
        # One Query and a BatchGet per other word, per round: the cost of a page, not of the catalog.
        assert max(calls_per_page) <= len(search.query_terms(query)) * selectors.SEARCH_ROUNDS, query
    assert len(brute_force(catalog_of_5000, "vintage")) > 10 * selectors.PAGE_SIZE  # many pages were walked


def test_a_page_ranks_name_matches_first_and_reads_a_bounded_number_of_items(catalog_of_5000):
    result = selectors.product_search(query="classic")
    assert len(result.items) >= selectors.PAGE_SIZE and result.next_cursor
    names = [card.name for card in result.items]
    assert names == sorted(names, key=str.casefold)  # every name holds the whole word: by name
