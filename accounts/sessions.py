"""A Django session engine on the DynamoDB ``sessions`` table.

DynamoDB's TTL deletes expired items only eventually, so every load checks
``expires_at`` itself: an expired session never loads.

A signed-in session's key ends with a hint naming its account
(``<32 random>.s<sealed email>`` for staff, ``.c<base64 customer id>`` for
shoppers), so the session and the account are read in one BatchGetItem: a
signed-in page costs one request before the view's own, not two. The hint is
not trusted — the account still has to be the one the session data names,
active, with the password the session signed in with — and it cannot be
edited, since the edited key names no session.

A staff account's key is its email, which a cookie must not show: the staff
hint is sealed (encrypt-then-MAC with keys derived from SECRET_KEY: an
HMAC-SHA256 keystream over the key's 32 random characters as the nonce, and
an HMAC tag), so only this shop can read it. A customer id is an opaque
UUID and needs no seal. A hint that does not open (a rotated SECRET_KEY, an
edit) is ignored: the session is read alone, as for a visitor.

Any cookie value is safe: a key that is too long or uses other characters
than a key can have is no key at all (no read, never a DynamoDB error).
"""
import base64
import binascii
import hashlib
import hmac
import re
from datetime import timedelta

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, SessionBase, UpdateError
from django.utils import timezone
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac
from pynamodb.exceptions import DoesNotExist

from accounts.auth import CUSTOMER_SESSION_KEY, STAFF_SESSION_KEY
from accounts.models import Session, Staff
from customers.models import Customer  # the one read: the session and its account in one BatchGetItem
from shopsite import dynamodb
from shopsite.transactions import ConditionFailed, condition_checked



RANDOM_LENGTH = 32
_KEY = re.compile(r"[A-Za-z0-9._-]{8,400}")  # Django's rule (8 or more) within what a DynamoDB key and a cookie hold
TAG_BYTES = 10


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _keystream(nonce: str, length: int) -> bytes:
    key = salted_hmac("shopsite.sessions.hint-cipher", nonce, algorithm="sha256").digest()
    blocks = (hmac.new(key, counter.to_bytes(4, "big"), hashlib.sha256).digest() for counter in range(length // 32 + 1))
    return b"".join(blocks)[:length]


def _tag(nonce: str, sealed: bytes) -> bytes:
    return salted_hmac("shopsite.sessions.hint-tag", nonce.encode() + sealed, algorithm="sha256").digest()[:TAG_BYTES]


def hint_seal(text: str, *, nonce: str) -> str:
    """*text* encrypted and authenticated for the key whose random part is *nonce*."""
    data = text.encode()
    sealed = bytes(a ^ b for a, b in zip(data, _keystream(nonce, len(data))))
    return _b64(sealed + _tag(nonce, sealed))


def hint_open(token: str, *, nonce: str) -> str | None:
    """The text hint_seal sealed, or None when *token* was not sealed by this shop for *nonce*."""
    try:
        raw = _unb64(token)
    except (binascii.Error, ValueError):
        return None
    sealed, tag = raw[:-TAG_BYTES], raw[-TAG_BYTES:]
    if not sealed or not constant_time_compare(tag, _tag(nonce, sealed)):
        return None
    try:
        return bytes(a ^ b for a, b in zip(sealed, _keystream(nonce, len(sealed)))).decode()
    except UnicodeDecodeError:
        return None


def _hint_of(data: dict, *, nonce: str) -> str:
    """The key suffix naming the session's account: staff first (the console is where reads add up)."""
    if data.get(STAFF_SESSION_KEY):
        return ".s" + hint_seal(data[STAFF_SESSION_KEY], nonce=nonce)
    if data.get(CUSTOMER_SESSION_KEY):
        return ".c" + _b64(data[CUSTOMER_SESSION_KEY].encode())
    return ""


def _account_of(session_key: str):
    """(model, hash key) of the account a session key's hint names, or None."""
    nonce, dot, hint = session_key.partition(".")
    if not dot or len(hint) < 2 or hint[0] not in "sc":
        return None
    if hint[0] == "s":
        value = hint_open(hint[1:], nonce=nonce)
    else:
        try:
            value = _unb64(hint[1:]).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
    return ((Staff if hint[0] == "s" else Customer), value) if value else None


class SessionStore(SessionBase):
    account = None  # (model, hash key, item or None): the account the key's hint named, read with the session

    def _get_new_session_key(self):
        """A random key, with the hint of the account the session data names; no existence check (save's
        condition refuses a key in use, and create() draws again)."""
        nonce = get_random_string(RANDOM_LENGTH, VALID_KEY_CHARS)
        return nonce + _hint_of(getattr(self, "_session_cache", None) or {}, nonce=nonce)

    def _validate_session_key(self, key):
        """Django's rule (8 characters or more), bounded: a cookie value too long for a DynamoDB key, or with
        characters no key of this engine has, is no key at all."""
        return isinstance(key, str) and bool(_KEY.fullmatch(key))

    def _get_item(self):
        account = _account_of(self.session_key)
        if account is None:
            try:
                return Session.get(self.session_key, consistent_read=True)
            except DoesNotExist:
                return None
        model, key = account
        if len(key) > 254:
            return None
        found = dynamodb.items_get_many(keys=[(Session, self.session_key), (model, key)], consistent=(Session,))
        self.account = (model, key, found.get((model, key)))
        return found.get((Session, self.session_key))

    @property
    def may_be_signed_in(self) -> bool:
        """Whether this session could hold a signed-in account, told from its key alone (no read).

        Signing in sets the account first and then draws a new key, which
        then carries the account's hint; a key without one (a visitor with a
        cart, say) never names an account, so pages need not load it to know.
        """
        key = self.session_key
        return bool(key) and "." in key

    def account_read(self, model, key):
        """Return (True, item or None) when the session's read already fetched this account, else (False, None)."""
        if self.account and self.account[0] is model and self.account[1] == key:
            return True, self.account[2]
        return False, None

    def load(self):
        item = self._get_item() if self.session_key else None
        if item is None or item.expires_at <= timezone.now():
            self._session_key = None
            return {}
        return self.decode(item.data)

    def exists(self, session_key):
        if not self._validate_session_key(session_key):
            return False
        try:
            item = Session.get(session_key, consistent_read=True)
        except DoesNotExist:
            return False
        return item.expires_at > timezone.now()

    def create(self):
        while True:
            self._session_key = self._get_new_session_key()
            try:
                self.save(must_create=True)
            except CreateError:
                continue
            self.modified = True
            return

    def save(self, must_create=False):
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)
        item = Session(
            self.session_key,
            data=self.encode(data),
            expires_at=timezone.now() + timedelta(seconds=self.get_expiry_age()),
        )
        condition = Session.session_key.does_not_exist() if must_create else Session.session_key.exists()
        try:
            with condition_checked():
                item.save(condition=condition)
        except ConditionFailed as error:
            if must_create:
                raise CreateError from error
            raise UpdateError from error

    def save_in(self, tx, *, label: str, changes: dict) -> None:
        """Write this session, with *changes* applied (a None value removes the key), as one more action
        of transaction *tx* — so a checkout's session update costs no request of its own. Only once *tx*
        commits do the changes reach this object, which then counts as saved; if *tx* fails, nothing changed.
        The write holds only while the session still exists (as ``save`` does), under label *label*."""
        data = dict(self._get_session())
        for key, value in changes.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        item = Session(self.session_key, data=self.encode(data),
                       expires_at=timezone.now() + timedelta(seconds=self.get_expiry_age()))
        tx.save(item, label=label, condition=Session.session_key.exists())

        def committed():
            self._session_cache = data
            self.modified = False

        tx.on_commit(committed)

    def delete(self, session_key=None):
        session_key = session_key or self.session_key
        if session_key is None:
            return
        Session(session_key).delete()

    @classmethod
    def clear_expired(cls):
        """Nothing to do: DynamoDB's TTL removes expired sessions."""
