"""/staff/login/, /staff/logout/ and the one-time set-password link ``createstaff`` and invitations print."""
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts import auth, services
from accounts import selectors as account_selectors
from accounts.flows import one_time_link, sign_in, sign_out
from accounts.tokens import uid_decode, staff_password_tokens

_SET_PASSWORD_SESSION_KEY = "_staff_set_password_token"


@require_http_methods(["GET", "POST"])
def login(request):
    return sign_in(request, scope="staff", template="staff/login.html", default_next=reverse("console:dashboard"),
                   on_success=lambda request, staff: auth.staff_login(request, staff=staff))


@require_POST
def logout(request):
    return sign_out(request, then="console:login")


@require_http_methods(["GET", "POST"])
def set_password(request, uid, token):
    """Let a staff member set their password through the one-time link ``createstaff`` printed."""
    email = uid_decode(uid)

    def save(staff, password):
        services.staff_set_password(email=staff.email, password=password, expected_hash=staff.password)
        messages.success(request, "Your password is set. Sign in with it now.")
        return redirect("console:login")

    return one_time_link(request, uid=uid, token=token, account=account_selectors.staff_find(email=email) if email else None,
                         tokens=staff_password_tokens, session_key=_SET_PASSWORD_SESSION_KEY,
                         url_name="console:set_password", template="staff/set_password.html", save=save)


