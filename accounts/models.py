"""What lets people and programs in: staff accounts, sessions, sign-in attempts (the throttle) and API keys."""
from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from shopsite.dynamodb import BaseModel, register


class StaffListIndex(GlobalSecondaryIndex):
    """Every staff account, newest first, for the owners' People page."""

    listing = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)

    class Meta:
        index_name = "listing-index"
        projection = AllProjection()


@register("staff")
class Staff(BaseModel):
    email = UnicodeAttribute(hash_key=True)
    password = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    active = BooleanAttribute(default=True)
    role = UnicodeAttribute(default="staff")  # "owner": may also manage people and API keys
    listing = UnicodeAttribute(default="all")
    invited_by = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""

    listing_index = StaffListIndex()

    is_authenticated = True

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"


@register("sessions")
class Session(BaseModel):
    session_key = UnicodeAttribute(hash_key=True)
    data = UnicodeAttribute()
    expires_at = TTLAttribute()

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""


@register("login-attempts")
class LoginAttempt(BaseModel):
    """Sign-in attempts of one client (``client#<ip>``) or one account from one client, in the current window."""

    key = UnicodeAttribute(hash_key=True)
    failures = NumberAttribute(default=0)  # attempts reserved in this window (a success clears the pair)
    window_start = NumberAttribute(default=0)
    locked_until = NumberAttribute(default=0)
    level = NumberAttribute(default=0)  # how many times this key was locked: each lock lasts twice as long
    expires_at = TTLAttribute()

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""


class ApiKeyListIndex(GlobalSecondaryIndex):
    """Every key, newest first, for the staff console."""

    listing = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)

    class Meta:
        index_name = "listing-index"
        projection = AllProjection()


@register("api-keys")
class ApiKey(BaseModel):
    """An integrator's key, stored as a SHA-256 digest (the key is random, so no salt is needed)."""

    key_hash = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    prefix = UnicodeAttribute()
    active = BooleanAttribute(default=True)
    rate_limit = NumberAttribute(null=True)  # requests per minute; None: settings.API_RATE_LIMIT_PER_MINUTE
    scopes = UnicodeSetAttribute(null=True)  # None: a key from before scopes, which may use the customers API only
    listing = UnicodeAttribute(default="all")
    created_at = UTCDateTimeAttribute()
    revoked_by = UnicodeAttribute(null=True)
    last_used_at = UTCDateTimeAttribute(null=True)  # to within ten minutes (accounts.services.LAST_USED_EVERY)

    listing_index = ApiKeyListIndex()

    @property
    def scope_set(self) -> set[str]:
        return set(self.scopes or ()) or {"customers"}

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""
