"""Customers, their email guards and pending sign-ups, in DynamoDB."""
from pynamodb.attributes import (
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
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
    order_count = NumberAttribute(default=0)  # kept from the orders stream (orders.buyers), never by an edit
    spent_cents = NumberAttribute(default=0)  # the total of those orders not cancelled or refunded
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

    def get_status_label(self) -> str:
        return {"active": "Active", "inactive": "Inactive", "guest": "Guest"}.get(self.status, self.status)

    @property
    def is_guest(self) -> bool:
        """A buyer who checked out without an account: their record follows their orders."""
        return self.status == "guest"


@register("customers", view=True)
class CustomerTally(BaseModel):
    """The customers table seen through what the orders stream keeps: a buyer's order count and spend, and a
    guest's record itself (status "guest"), written without bumping the version so an open edit stays fresh."""

    customer_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute(null=True)
    first_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    listing = UnicodeAttribute(null=True)
    name_key = UnicodeAttribute(null=True)
    order_count = NumberAttribute(default=0)
    spent_cents = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)

    class Meta:
        """Table name and endpoint come from shopsite.dynamodb.register and configure."""


@register("customer-emails")
class CustomerEmail(BaseModel):
    """Uniqueness guard: one item per email in use, written with the customer."""

    email = UnicodeAttribute(hash_key=True)
    customer_id = UnicodeAttribute()

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
