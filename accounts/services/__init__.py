"""Writes of staff accounts, API keys and login throttling.

One module per concern (staff, api_keys, throttle); callers import from here.
"""
from accounts.services.staff import (  # noqa: F401
    StaffExists,
    LastOwner,
    STAFF_ROLES,
    staff_create,
    staff_change,
    staff_set_password,
    staff_invite,
    staff_authenticate,
)
from accounts.services.api_keys import (  # noqa: F401
    API_SCOPES,
    api_key_create,
    api_key_revoke,
    LAST_USED_EVERY,
    shopper_token_rate_check,
    api_key_rate_check,
)
from accounts.services.throttle import (  # noqa: F401
    LoginLocked,
    password_reset_request,
    client_request_check,
    password_reset_deliver,
    InvalidCredentials,
    login_attempt,
)
