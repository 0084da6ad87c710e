"""Customers, staff, sessions, API keys and login throttling, in DynamoDB."""
from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from shopsite.dynamodb import BaseModel, register


class CustomerListIndex(GlobalSecondaryIndex):
    """All customers, newest first, in one partition: a page is one Query."""

    listing = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)

    class Meta:
        index_name = "listing-index"
        projection = AllProjection()


class CustomerEmailIndex(GlobalSecondaryIndex):
    """All customers by email, A to Z: staff search by email prefix is one Query."""

    listing = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute(range_key=True)

    class Meta:
        index_name = "email-index"
        projection = AllProjection()


class CustomerNameIndex(GlobalSecondaryIndex):
    """Customers with a name, by "surname first-name" (sparse ``name_key``): search by name prefix."""

    listing = UnicodeAttribute(hash_key=True)
    name_key = UnicodeAttribute(range_key=True)

    class Meta:
        index_name = "name-index"
        projection = AllProjection()


class CustomerPhoneIndex(GlobalSecondaryIndex):
    """Customers with a phone number, by its digits (sparse ``phone_key``): search by phone prefix."""

    listing = UnicodeAttribute(hash_key=True)
    phone_key = UnicodeAttribute(range_key=True)

    class Meta:
        index_name = "phone-index"
        projection = AllProjection()


@register("customers")
class Customer(BaseModel):
    customer_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute()
    first_name = UnicodeAttribute(default="")
    last_name = UnicodeAttribute(default="")
    phone = UnicodeAttribute(default="")
    line1 = UnicodeAttribute(default="")
    line2 = UnicodeAttribute(default="")
    city = UnicodeAttribute(default="")
    postal_code = UnicodeAttribute(default="")
    country = UnicodeAttribute(default="")
    notes = UnicodeAttribute(default="")
    status = UnicodeAttribute(default="active")
    password = UnicodeAttribute(null=True)
    listing = UnicodeAttribute(default="all")
    name_key = UnicodeAttribute(null=True)  # "surname first-name", folded; absent without a name
    phone_key = UnicodeAttribute(null=True)  # the phone's digits; absent without a phone
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""

    listing_index = CustomerListIndex()
    email_index = CustomerEmailIndex()
    name_index = CustomerNameIndex()
    phone_index = CustomerPhoneIndex()

    is_authenticated = True

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def has_password(self) -> bool:
        return bool(self.password)


@register("customer-emails")
class CustomerEmail(BaseModel):
    """Uniqueness guard: one item per email in use, written with the customer."""

    email = UnicodeAttribute(hash_key=True)
    customer_id = UnicodeAttribute()

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""


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


@register("signups")
class PendingSignup(BaseModel):
    """A signup waiting for its email to be proven: the account is created when the emailed link is used.

    Keyed by the SHA-256 of the link's random token (the token itself is only in the email); the password is
    kept hashed, as on an account; TTL removes what nobody confirmed."""

    token_hash = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute()
    data = UnicodeAttribute()  # JSON: the profile fields, the password hash, where to go next
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
    last_used_at = UTCDateTimeAttribute(null=True)  # to within ten minutes (customers.accounts.services.LAST_USED_EVERY)

    listing_index = ApiKeyListIndex()

    @property
    def scope_set(self) -> set[str]:
        return set(self.scopes or ()) or {"customers"}

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""
