"""Checkout addresses: the country comes from the ISO 3166 list, the postal code follows the country's rule."""
import pytest
from django.test import Client

from customers.countries import country_choices, postal_code_normalise
from tests.factories import make_product

pytestmark = pytest.mark.usefixtures("tables")
ADDRESS = {"name": "Grace Hopper", "line1": "1 Navy Way", "line2": "", "city": "Arlington", "email": "g@example.com"}


def test_country_list_and_postal_rules():
    codes = dict(country_choices())
    assert codes["US"] == "United States" and codes["GB"] == "United Kingdom" and "EU" not in codes
    assert len(codes) > 240
    assert postal_code_normalise(country="GB", postal_code=" sw1a  1aa ") == "SW1A 1AA"
    assert postal_code_normalise(country="US", postal_code="22202-1234") == "22202-1234"
    assert postal_code_normalise(country="US", postal_code="!!!!!!!!!!") is None
    assert postal_code_normalise(country="NL", postal_code="1012ab") == "1012AB"
    assert postal_code_normalise(country="KE", postal_code="00100") == "00100"  # no rule: accepted


def test_checkout_refuses_a_made_up_country_and_a_postal_code_of_no_country():
    browser = Client()
    browser.post("/cart/add/", {"product_id": make_product(stock=5).product_id, "quantity": 1})
    narnia = browser.post("/checkout/", dict(ADDRESS, country="Narnia", postal_code="12345"))
    assert narnia.status_code == 400 and "Select a valid choice." in narnia.content.decode()
    bad = browser.post("/checkout/", dict(ADDRESS, country="US", postal_code="!!!!!!!!!!"))
    assert bad.status_code == 400
    assert "This is not a postal code of United States (for example 12345 or 12345-6789)." in bad.content.decode()
    assert "Grace Hopper" in bad.content.decode()  # what was typed stays in the form
    good = browser.post("/checkout/", dict(ADDRESS, country="GB", postal_code="sw1a 1aa"))
    assert good["Location"] == "/checkout/review/"
    review = browser.get("/checkout/review/").content.decode()
    assert "SW1A 1AA" in review and "United Kingdom" in review
    assert "Royaume-Uni" in browser.get("/fr/checkout/review/").content.decode()
    form = browser.get("/fr/checkout/").content.decode()
    assert '<option value="DE">Allemagne</option>' in form
