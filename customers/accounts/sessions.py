"""A Django session engine on the DynamoDB ``sessions`` table.

DynamoDB's TTL deletes expired items only eventually, so every load checks
``expires_at`` itself: an expired session never loads.

A signed-in session's key ends with a hint naming its account
(``<32 random>.s<base64 email>`` for staff, ``.c<customer id>`` for
shoppers), so the session and the account are read in one BatchGetItem: a
signed-in page costs one request before the view's own, not two. The hint is
not trusted — the account still has to be the one the session data names,
active, with the password the session signed in with — and it cannot be
edited, since the edited key names no session.
"""
import base64
import binascii
from datetime import timedelta

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, SessionBase, UpdateError
from django.utils import timezone
from django.utils.crypto import get_random_string
from pynamodb.exceptions import DoesNotExist, PutError

from customers.accounts.auth import CUSTOMER_SESSION_KEY, STAFF_SESSION_KEY
from customers.models import Customer, Session, Staff
from shopsite import dynamodb



def _hint_of(data: dict) -> str:
    """The key suffix naming the session's account: staff first (the console is where reads add up)."""
    if data.get(STAFF_SESSION_KEY):
        return ".s" + base64.urlsafe_b64encode(data[STAFF_SESSION_KEY].encode()).decode().rstrip("=")
    if data.get(CUSTOMER_SESSION_KEY):
        return ".c" + base64.urlsafe_b64encode(data[CUSTOMER_SESSION_KEY].encode()).decode().rstrip("=")
    return ""


def _account_of(session_key: str):
    """(model, hash key) of the account a session key's hint names, or None."""
    _, dot, hint = session_key.partition(".")
    if not dot or len(hint) < 2 or hint[0] not in "sc":
        return None
    try:
        value = base64.urlsafe_b64decode(hint[1:] + "=" * (-len(hint[1:]) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return ((Staff if hint[0] == "s" else Customer), value) if value else None


class SessionStore(SessionBase):
    account = None  # (model, hash key, item or None): the account the key's hint named, read with the session

    def _get_new_session_key(self):
        """A random key, with the hint of the account the session data names; no existence check (save's
        condition refuses a key in use, and create() draws again)."""
        return get_random_string(32, VALID_KEY_CHARS) + _hint_of(getattr(self, "_session_cache", None) or {})

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
            item.save(condition=condition)
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
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
