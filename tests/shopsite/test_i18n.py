"""Another language: shopper pages and order emails in French under /fr/, money and dates written the French way
(Babel), every marked string translated; the console and the English pages stay as they were."""
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.core import mail
from django.test import Client
from django.utils import translation

from shopsite.templatetags.shop import local_date, money
from tests.factories import make_category, make_product

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def test_money_and_dates_follow_the_language():
    import datetime

    with translation.override("en"):
        assert money(123456) == "$1,234.56" and local_date(datetime.date(2026, 12, 3)) == "December 3, 2026"
    with translation.override("fr"):
        assert money(123456) == "1\u202f234,56\xa0$US" and local_date(datetime.date(2026, 12, 3)) == "3 décembre 2026"
    assert money("not a number") == ""


def _marked_strings() -> set[str]:
    """Every msgid the shopper templates mark, as Django extracts it ({{ x }} becomes %(x)s, trimmed)."""
    found = set()
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("templates/**/*.txt")]:
        text = path.read_text()
        found |= set(re.findall(r'{% translate "((?:[^"\\]|\\.)*)" %}', text))
        found |= set(re.findall(r"{% translate '([^']*)' %}", text))
        for body in re.findall(r"{% blocktranslate(?! count)[^%]*%}(.*?){% endblocktranslate %}", text, re.S):
            found.add(re.sub(r"\{\{ (\w+) \}\}", r"%(\1)s", " ".join(body.split())))
    return found


def test_every_marked_string_has_a_french_translation():
    with PO.open("rb") as po:
        catalog = read_po(po)
    translated = {message.id if isinstance(message.id, str) else message.id[0]
                  for message in catalog if message.id and message.string and all(message.string)}
    missing = sorted(_marked_strings() - translated)
    assert not missing, missing
    assert len(_marked_strings()) > 100


@pytest.mark.usefixtures("tables")
def test_the_shop_in_french_and_back(client):
    category = make_category(name="Lampes", slug="lampes")
    product = make_product(category=category, name="Lampe de bureau", price_cents=4550, stock=3)
    home = client.get("/fr/")
    page = home.content.decode()
    assert home.status_code == 200 and '<html lang="fr">' in page and "Nouveautés" in page
    assert 'href="/fr/products/"' in page and "45,50\xa0$US" in page  # links stay in French, money is French
    assert 'href="/" lang="en" hreflang="en">English</a>' in page  # the switcher: a link to this page in English
    detail = client.get(f"/fr/products/{product.slug}/").content.decode()
    assert "Ajouter au panier" in detail and "Plus que 3" in detail
    english = client.get(f"/products/{product.slug}/").content.decode()
    assert "Add to cart" in english and '<html lang="en">' in english
    assert f'href="/fr/products/{product.slug}/" lang="fr" hreflang="fr">Français</a>' in english
    search = client.get("/fr/search/", {"q": "lampes"}).content.decode()
    assert "Résultats pour « lampes »" in search and "1 produit" in search
    cart = client.get("/fr/cart/").content.decode()
    assert "Votre panier est vide." in cart
    login = client.get("/fr/account/login/").content.decode()
    assert "Mot de passe" in login and "Créer un compte" in login
    refused = client.post("/fr/account/login/", {"email": "not-an-email", "password": ""}).content.decode()
    assert "Ce champ est obligatoire." in refused  # Django's own messages come in French too
    staff = client.get("/staff/login/").content.decode()
    assert '<html lang="en">' in staff and "Français" not in staff  # the console stays English


@pytest.mark.usefixtures("tables")
def test_an_order_placed_in_french_is_confirmed_in_french(streams):
    from tests.orders.test_guest_checkout import ADDRESS

    product = make_product(stock=5, price_cents=1500)
    browser = Client()
    browser.post("/fr/cart/add/", {"product_id": product.product_id, "quantity": 1})
    assert browser.post("/fr/checkout/", dict(ADDRESS, email="marie@example.com"))["Location"] == "/fr/checkout/review/"
    form = browser.get("/fr/checkout/").content.decode()
    assert "Nom complet" in form and "Code postal" in form
    review = browser.get("/fr/checkout/review/").content.decode()
    assert "Vérifiez votre commande" in review and "Passer la commande" in review
    placing = dict(re.findall(r'name="(token|reviewed)" value="([^"]+)"', review))
    placed = browser.post("/fr/checkout/place/", placing)
    assert placed["Location"].startswith("/fr/checkout/done/")
    assert "Merci ! La commande" in browser.get(placed["Location"]).content.decode()
    streams.drain()
    [email] = [message for message in mail.outbox if "marie@example.com" in message.to]
    assert "reçue" in email.subject and "Merci pour votre commande" in email.body and "/fr/orders/" in email.body
    assert "Sous-total" in email.body and "15,00\xa0$US" in email.body
