"""Sign-in without django.contrib.auth: who is on this request, and how they got there.

Staff and shoppers are separate principals kept under separate session keys;
each stores a digest of its password hash so that changing a password ends
every other session of that account.
"""
from __future__ import annotations

from django.middleware.csrf import rotate_token
from django.utils.crypto import constant_time_compare, salted_hmac

from customers import signals

STAFF_SESSION_KEY = "_staff_email"
STAFF_HASH_KEY = "_staff_hash"
CUSTOMER_SESSION_KEY = "_customer_id"
CUSTOMER_HASH_KEY = "_customer_hash"


class AnonymousPrincipal:
    """Stands in for nobody: the same questions as a signed-in account, all answered no."""

    is_authenticated = False
    pk = None
    email = ""
    name = ""
    full_name = ""
    customer_id = None

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return "anonymous"


def password_digest(password_hash: str) -> str:
    """Return a session-safe digest of a stored password hash."""
    return salted_hmac("shopsite.auth.session", password_hash, algorithm="sha256").hexdigest()


def digest_matches(session, key: str, password_hash: str | None) -> bool:
    """Return True when the session was signed in with the account's current password."""
    stored = session.get(key)
    return bool(stored and constant_time_compare(stored, password_digest(password_hash or "")))


def _rotate(request) -> None:
    # A fresh session key and CSRF token stop session fixation.
    request.session.cycle_key()
    rotate_token(request)


def staff_login(request, *, staff) -> None:
    """Sign *staff* in on this request's session."""
    request.session[STAFF_SESSION_KEY] = staff.email
    request.session[STAFF_HASH_KEY] = password_digest(staff.password)
    _rotate(request)  # after: the new key's hint names the account (see accounts.sessions)
    request.staff = staff


def customer_login(request, *, customer) -> None:
    """Sign the shopper *customer* in on this request's session."""
    request.session[CUSTOMER_SESSION_KEY] = customer.customer_id
    request.session[CUSTOMER_HASH_KEY] = password_digest(customer.password or "")
    _rotate(request)  # keeps the session's data (a visitor's cart survives sign-in); the new key names the account
    request.customer = customer
    signals.customer_logged_in.send(sender=customer.__class__, request=request, customer_id=customer.customer_id)


def customer_session_refresh(request, *, customer) -> None:
    """Keep this session signed in after the customer changed their password."""
    request.session[CUSTOMER_HASH_KEY] = password_digest(customer.password or "")


def logout(request) -> None:
    """End the session entirely and issue a new CSRF token."""
    request.session.flush()
    rotate_token(request)
    request.staff = AnonymousPrincipal()
    request.customer = AnonymousPrincipal()
