"""Listing cards: the Query reads only what a card shows, the grid renders in one pass, item reads parse cheaply."""
import json

import botocore.parsers
import botocore.session
import pytest
from django.core.cache import cache
from django.test import Client

from catalog import selectors
from catalog.cards import CARD_ATTRIBUTES, ProductCard, card_from_item, grid_render
from shopsite import dynamodb
from shopsite.compat.botocore import ItemReadsParser
from tests.factories import make_category, make_product


def _sent_requests():
    """Capture the parameters of every DynamoDB call made while the block runs."""
    sent = []

    def record(params, model, **kwargs):
        sent.append((model.name, dict(params)))

    client = dynamodb.connection().client
    client.meta.events.register("provide-client-params.dynamodb", record)
    return sent, lambda: client.meta.events.unregister("provide-client-params.dynamodb", record)


@pytest.mark.usefixtures("tables")
def test_the_listing_query_projects_only_card_attributes_and_builds_cards():
    category = make_category()
    product = make_product(category=category, name="Chef's knife", slug="chefs-knife", price_cents=4599, stock=3,
                           description="x" * 2000)
    cache.clear()
    sent, stop = _sent_requests()
    try:
        page = selectors.product_list(sort="newest")
    finally:
        stop()
    (operation, params), = sent
    assert operation == "Query" and "ProjectionExpression" in params
    projected = {params["ExpressionAttributeNames"][name.strip()] for name in params["ProjectionExpression"].split(",")}
    assert set(CARD_ATTRIBUTES) <= projected and "description" not in projected
    assert page.items == [ProductCard(product_id=product.product_id, name="Chef's knife", slug="chefs-knife",
                                      price_cents=4599, stock=3, image=None)]
    assert page.items[0].stock_state == "low"


@pytest.mark.usefixtures("tables")
def test_card_pages_keep_their_cursors_across_the_projection():
    category = make_category()
    for n in range(5):
        make_product(category=category, name=f"Item {n}", slug=f"item-{n}")
    first = selectors.product_list(sort="name", limit=2)
    second = selectors.product_list(sort="name", limit=2, cursor=first.next_cursor)
    back = selectors.product_list(sort="name", limit=2, cursor=second.prev_cursor)
    assert [c.slug for c in first.items] == ["item-0", "item-1"]
    assert [c.slug for c in second.items] == ["item-2", "item-3"]
    assert back.items == first.items


@pytest.mark.usefixtures("tables")
def test_graphql_listings_still_read_whole_products():
    category = make_category()
    make_product(category=category, description="Sharp.")
    page = selectors.product_list(full=True)
    assert page.items[0].description == "Sharp." and page.items[0].category_id == category.category_id


def test_the_grid_escapes_names_builds_urls_and_badges(settings):
    cards = [
        ProductCard(product_id="1", name="<b>Pan</b> & lid", slug="pan", price_cents=1999, stock=0, image="products/p.png"),
        ProductCard(product_id="2", name="Pot", slug="pot", price_cents=500, stock=4, image=None),
        ProductCard(product_id="3", name="Cup", slug="cup", price_cents=250, stock=None, image=None),
    ]
    html = grid_render(cards)
    assert "&lt;b&gt;Pan&lt;/b&gt; &amp; lid" in html and "<b>Pan" not in html
    assert 'href="/products/pan/"' in html and 'href="/products/pot/"' in html
    assert f'src="{settings.MEDIA_URL}products/p.400w.webp"' in html
    assert f'{settings.MEDIA_URL}products/p.800w.webp 800w' in html
    assert "Sold out" in html and "Only 4 left" in html and html.count('class="badge') == 2
    assert "$19.99" in html and "$5.00" in html
    assert grid_render([]) == ""


def test_the_grid_asks_the_storage_for_each_url_when_its_urls_are_signed(monkeypatch):
    from django.core.files.storage import default_storage

    monkeypatch.setattr(default_storage, "url", lambda name: f"https://media.example/{name}?sig=abc")
    html = grid_render([ProductCard(product_id="1", name="Pan", slug="pan", price_cents=1, stock=9, image="p/x.png")])
    assert 'src="https://media.example/p/x.400w.webp?sig=abc"' in html


@pytest.mark.usefixtures("tables")
def test_a_bad_cursor_warns_on_every_request_even_with_the_grid_cached():
    make_product(category=make_category(), slug="one")
    client = Client()
    for _ in range(2):
        response = client.get("/products/?cursor=forged")
        assert response.status_code == 200
        assert "That page link was not valid" in response.content.decode()
        assert 'href="/products/one/"' in response.content.decode()


@pytest.mark.usefixtures("tables")
def test_a_cached_grid_follows_catalog_changes():
    category = make_category()
    make_product(category=category, name="Kettle", slug="kettle")
    client = Client()
    assert "Kettle" in client.get("/products/").content.decode()
    make_product(category=category, name="Teapot", slug="teapot")
    assert "Teapot" in client.get("/products/").content.decode()


@pytest.mark.parametrize("item", [
    {"name": {"S": "Pan"}, "stock": {"N": "3"}, "on": {"BOOL": True}, "gone": {"NULL": True},
     "tags": {"SS": ["a", "b"]}, "sizes": {"NS": ["1", "2.5"]}, "parts": {"L": [{"S": "x"}, {"M": {"k": {"N": "1"}}}]}},
    {"blob": {"B": "aGVsbG8="}, "blobs": {"BS": ["aGk="]}, "name": {"S": "\"B\": in a string"}},
])
def test_item_reads_parse_to_what_botocores_full_parser_gives(item):
    model = dynamodb.connection().client.meta.service_model
    for operation, body in (("Query", {"Items": [item], "Count": 1, "ScannedCount": 1, "LastEvaluatedKey": {"k": {"S": "1"}}}),
                            ("GetItem", {"Item": item}),
                            ("BatchGetItem", {"Responses": {"t": [item]}, "UnprocessedKeys": {}})):
        shape = model.operation_model(operation).output_shape
        response = {"body": json.dumps(body).encode(), "headers": {"x-amzn-requestid": "r"}, "status_code": 200}
        fast = ItemReadsParser().parse(dict(response), shape)
        full = botocore.parsers.JSONParser().parse(dict(response), shape)
        assert fast == full, operation
    if "blob" in item:
        assert fast["Responses"]["t"][0]["blob"]["B"] == b"hello"  # binary values still become bytes


@pytest.mark.usefixtures("tables")
def test_item_reads_from_dynamodb_local_parse_alike(count_calls):
    make_product(category=make_category(), name="Écuelle « 1 »", description="ünïcode\n\"quoted\"")
    client = dynamodb.connection().client
    plain = botocore.session.get_session().create_client(
        "dynamodb", region_name=client.meta.region_name, endpoint_url=client.meta.endpoint_url,
        aws_access_key_id="local", aws_secret_access_key="local")
    table = dynamodb.table_name("products")
    assert client.scan(TableName=table)["Items"] == plain.scan(TableName=table)["Items"]
    assert isinstance(dynamodb.connection().session.get_component("response_parser_factory").create_parser("json"),
                      ItemReadsParser)


def test_card_from_item_reads_search_items_without_stock():
    card = card_from_item({"product_id": {"S": "p"}, "name": {"S": "N"}, "slug": {"S": "n"}, "price_cents": {"N": "5"}})
    assert card.stock is None and card.image is None and card.stock_state == ""


def test_the_lean_listing_index_projects_every_card_attribute():
    """A card attribute missing from the INCLUDE projection would silently come back empty."""
    from catalog.cards import CARD_ATTRIBUTES
    from catalog.models import Product

    for index in (Product.cards_newest_index, Product.cards_category_index):
        keys = {"product_id", *(attribute.attr_name for attribute in index.Meta.attributes.values())}
        assert set(CARD_ATTRIBUTES) <= set(index.Meta.projection.non_key_attributes) | keys


@pytest.mark.usefixtures("tables")
def test_a_listing_page_reads_less_capacity_from_the_lean_index():
    """The same 24 products, newest first: DynamoDB's own consumed capacity, lean index against ALL."""
    from catalog.models import Product

    category = make_category()
    for _ in range(24):
        make_product(category=category, description="A long description a card never shows. " * 20, image="demo/lamp.png")
    client = dynamodb.connection().client

    def consumed(index_name):
        answer = client.query(
            TableName=Product.Meta.table_name, IndexName=index_name, KeyConditionExpression="active_listing = :a",
            ExpressionAttributeValues={":a": {"S": "active"}}, Limit=24, ScanIndexForward=False,
            ProjectionExpression="product_id, #n, slug, price_cents, stock, image", ExpressionAttributeNames={"#n": "name"},
            ReturnConsumedCapacity="TOTAL")
        assert len(answer["Items"]) == 24
        return answer["ConsumedCapacity"]["CapacityUnits"]

    lean, full = consumed("cards-v2-newest-index"), consumed("newest-index")
    assert lean <= 1.0 < full, (lean, full)
    sent, stop = _sent_requests()
    try:
        cache.clear()
        page = selectors.product_list(sort="newest")
    finally:
        stop()
    assert [params["IndexName"] for _, params in sent] == ["cards-v2-newest-index"] and len(page.items) == 24
