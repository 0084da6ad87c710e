"""Account checks for ``check_integrity``: every staff member and API key is listed; the owners tally is right."""
from __future__ import annotations

from typing import Iterator

from accounts.models import ApiKey, Staff
from accounts.selectors import OWNERS_TALLY
from shopsite.integrity import Finding, register, tally_findings


@register
def api_key_listing() -> Iterator[Finding]:
    """Keys made before the console listed keys lack ``listing``, so the console cannot show or revoke them."""
    for key in ApiKey.scan(ApiKey.listing.does_not_exist()):  # the model's default would hide a missing value
        yield Finding("api keys", f"key {key.prefix}… ({key.name}) is missing from the console's list",
                      repair=lambda key=key: ApiKey(key.key_hash).update(actions=[ApiKey.listing.set("all")],
                                                                         condition=ApiKey.key_hash.exists()))


@register
def staff_accounts() -> Iterator[Finding]:
    """Staff saved before the People page lack ``listing``; the owners tally must equal the active owners."""
    owners = 0
    for staff in Staff.scan():
        owners += staff.active and staff.role == "owner"
    for staff in Staff.scan(Staff.listing.does_not_exist()):
        yield Finding("staff", f"{staff.email} is missing from the People page",
                      repair=lambda staff=staff: Staff(staff.email).update(actions=[Staff.listing.set("all")],
                                                                         condition=Staff.email.exists()))
    yield from tally_findings("owners tally", {OWNERS_TALLY: {"value": owners}})
