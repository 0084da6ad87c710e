"""One-time links that let a staff member or a customer set their password; shoppers' API tokens.

Django's ``PasswordResetTokenGenerator`` signs the account's email, its current
password hash and a timestamp, so a link stops working as soon as it is used
(the hash changes) or when it is older than ``STAFF_PASSWORD_LINK_SECONDS``.
"""
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes, force_str
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from accounts.auth import password_digest
from shopsite.compat.django import token_age_seconds


class _ExpiringTokens(PasswordResetTokenGenerator):
    """Django's generator with our own lifetime (the setting named by ``lifetime_setting``), read at check time."""

    lifetime_setting = ""

    def usable(self, account) -> bool:
        return bool(account)

    def check_token(self, account, token: str) -> bool:
        if not self.usable(account) or not token or not super().check_token(account, token):
            return False
        try:
            issued = base36_to_int(token.split("-", 1)[0])
        except ValueError:
            return False
        return token_age_seconds(self, issued) <= getattr(settings, self.lifetime_setting)


class StaffPasswordTokens(_ExpiringTokens):
    key_salt = "shopsite.staff.set-password"
    lifetime_setting = "STAFF_PASSWORD_LINK_SECONDS"

    def _make_hash_value(self, staff, timestamp: int) -> str:
        return f"{staff.email}{staff.password}{timestamp}"


staff_password_tokens = StaffPasswordTokens()


class CustomerPasswordTokens(_ExpiringTokens):
    """"Forgot password" links, and the link that lets a customer created by staff or the
    API (who has no password yet) claim the account. The hash covers the password (empty
    when there is none) and the email, so a link dies once used, or once either changes."""

    key_salt = "shopsite.customers.set-password"
    lifetime_setting = "PASSWORD_RESET_SECONDS"

    def usable(self, customer) -> bool:
        return bool(customer) and customer.status == "active"

    def _make_hash_value(self, customer, timestamp: int) -> str:
        return f"{customer.customer_id}{customer.email}{customer.password or ''}{customer.status}{timestamp}"


customer_password_tokens = CustomerPasswordTokens()


def uid_encode(value: str) -> str:
    """An account's key (a staff email, a customer id) as the uid of a one-time link."""
    return urlsafe_base64_encode(force_bytes(value))


def uid_decode(uid: str) -> str | None:
    """The account key a link's uid encodes, or None for a malformed one."""
    try:
        return force_str(urlsafe_base64_decode(uid))
    except (ValueError, UnicodeDecodeError):
        return None


SHOPPER_TOKEN_SALT = "shopsite.customers.shopper-token"


def shopper_token_make(customer) -> str:
    """A bearer token for a shopper's own non-browser client (a mobile app): signed, not stored.

    It names the customer and a digest of their password hash, so changing
    the password revokes every token; it expires after SHOPPER_TOKEN_SECONDS.
    """
    return signing.dumps({"c": customer.customer_id, "h": password_digest(customer.password or "")[:32]},
                         salt=SHOPPER_TOKEN_SALT, compress=True)


def shopper_token_customer(token: str, *, customer_of):
    """Return the shopper a token stands for, if it is genuine, unexpired, and their password is unchanged.

    *customer_of(customer_id)* loads the customer (None if unknown): the one
    read the token costs, and the record the request then uses.
    """
    try:
        data = signing.loads(token, salt=SHOPPER_TOKEN_SALT, max_age=settings.SHOPPER_TOKEN_SECONDS)
    except signing.BadSignature:
        return None
    customer = customer_of(data.get("c", "")) if isinstance(data, dict) else None
    if customer is None or customer.status != "active" or not customer.password:
        return None
    if not constant_time_compare(data.get("h", ""), password_digest(customer.password)[:32]):
        return None
    return customer
