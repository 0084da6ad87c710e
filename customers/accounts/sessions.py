"""A Django session engine on the DynamoDB ``sessions`` table.

DynamoDB's TTL deletes expired items only eventually, so every load checks
``expires_at`` itself: an expired session never loads.
"""
from datetime import timedelta

from django.contrib.sessions.backends.base import CreateError, SessionBase, UpdateError
from django.utils import timezone
from pynamodb.exceptions import DoesNotExist, PutError

from customers.models import Session


class SessionStore(SessionBase):
    def _get_item(self):
        try:
            return Session.get(self.session_key, consistent_read=True)
        except DoesNotExist:
            return None

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

    def delete(self, session_key=None):
        session_key = session_key or self.session_key
        if session_key is None:
            return
        Session(session_key).delete()

    @classmethod
    def clear_expired(cls):
        """Nothing to do: DynamoDB's TTL removes expired sessions."""
