"""Sign-in pages: shoppers and staff sign in and out; staff and shoppers set a password through a one-time link."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from customers.accounts import auth, services
from customers.accounts import selectors as account_selectors
from customers import selectors as customer_selectors
from customers import services as customer_services
from customers.accounts.tokens import (
    customer_password_tokens,
    staff_email_from_uid,
    staff_password_tokens,
)
from customers.forms import LoginForm, PasswordResetForm, SetPasswordForm
from shopsite.clients import client_address
from shopsite.forms import render_form
from shopsite.transactions import StaleEdit


def next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _login(request, *, scope: str, template: str, on_success, default_next: str):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            principal = services.login_attempt(scope=scope, client=client_address(request), **form.cleaned_data)
        except services.LoginLocked as error:
            form.add_error(None, str(error))
        except services.InvalidCredentials:
            form.add_error(None, "That email and password do not match an account.")
        else:
            on_success(request, principal)
            return redirect(next_url(request, default_next))
    return render_form(request, template, {"form": form, "next": next_url(request, "")})


def _sign_in_page(*, scope: str, template: str, on_success, default_next: str):
    """Build a sign-in view for one kind of account (``default_next`` is a URL name)."""

    @require_http_methods(["GET", "POST"])
    def view(request):
        return _login(request, scope=scope, template=template, on_success=on_success, default_next=reverse(default_next))

    return view


def _sign_out(*, then: str):
    """Build a POST-only sign-out view that lands on the URL named *then*."""

    @require_POST
    def view(request):
        auth.logout(request)
        messages.info(request, "You are signed out.")
        return redirect(then)

    return view


staff_login = _sign_in_page(
    scope="staff", template="staff/login.html", default_next="orders:staff_dashboard",
    on_success=lambda request, staff: auth.staff_login(request, staff=staff),
)
staff_logout = _sign_out(then="customers:staff_login")
login = _sign_in_page(
    scope="customer", template="customers/login.html", default_next="customers:account",
    on_success=lambda request, customer: auth.customer_login(request, customer=customer),
)
logout = _sign_out(then="catalog:home")


_SET_PASSWORD_SESSION_KEY = "_staff_set_password_token"
_SET_PASSWORD_URL_TOKEN = "set"


def _one_time_link(request, *, uid, token, account, tokens, session_key: str, url_name: str, template: str, save):
    """The flow both set-password links share, as Django's own reset view does it.

    The token moves from the URL into the session at once, so it never sits
    in the address bar or a Referer header; then a SetPasswordForm; *save*
    (account, password) stores it conditionally, raising StaleEdit when the
    account changed meanwhile (the link was used twice at once), and returns
    the response for success.
    """
    def invalid():
        return render(request, template, {"valid": False}, status=400)

    if token != _SET_PASSWORD_URL_TOKEN:
        if account is not None and tokens.check_token(account, token):
            request.session[session_key] = token
            return redirect(url_name, uid=uid, token=_SET_PASSWORD_URL_TOKEN)
        return invalid()
    if account is None or not tokens.check_token(account, request.session.get(session_key, "")):
        return invalid()
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            response = save(account, form.cleaned_data["new_password"])
        except StaleEdit:
            return invalid()
        request.session.pop(session_key, None)
        return response
    return render_form(request, template, {"valid": True, "form": form, "uid": uid})


@require_http_methods(["GET", "POST"])
def staff_set_password(request, uid, token):
    """Let a staff member set their password through the one-time link ``createstaff`` printed."""
    email = staff_email_from_uid(uid)

    def save(staff, password):
        services.staff_set_password(email=staff.email, password=password, expected_hash=staff.password)
        messages.success(request, "Your password is set. Sign in with it now.")
        return redirect("customers:staff_login")

    return _one_time_link(request, uid=uid, token=token, account=account_selectors.staff_get(email=email) if email else None,
                          tokens=staff_password_tokens, session_key=_SET_PASSWORD_SESSION_KEY,
                          url_name="customers:staff_set_password", template="staff/set_password.html", save=save)


_RESET_SESSION_KEY = "_customer_set_password_token"
_RESET_SENT = "If an account uses that email address, a link to choose a password is on its way. Check your inbox."


@require_http_methods(["GET", "POST"])
def password_reset(request):
    """"Forgot password": email a one-time link. The answer is the same whether or not the email is registered."""
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_request(email=form.cleaned_data["email"], client=client_address(request))
        except services.LoginLocked as locked:
            form.add_error(None, f"Too many requests from here. Try again in {max(1, locked.seconds // 60)} minutes.")
            return render_form(request, "customers/password_reset.html", {"form": form})
        messages.info(request, _RESET_SENT)
        return redirect("customers:login")
    return render_form(request, "customers/password_reset.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request, uid, token):
    """Set a new password through an emailed link, then sign in."""
    customer_id = staff_email_from_uid(uid)

    def save(customer, password):
        customer = customer_services.customer_update(customer_id=customer.customer_id, expected_version=customer.version,
                                                     password=password)
        auth.customer_login(request, customer=customer)
        messages.success(request, "Your password is set and you are signed in.")
        return redirect("customers:account")

    return _one_time_link(request, uid=uid, token=token,
                          account=customer_selectors.customer_find(customer_id=customer_id) if customer_id else None,
                          tokens=customer_password_tokens, session_key=_RESET_SESSION_KEY,
                          url_name="customers:password_reset_confirm", template="customers/password_reset_confirm.html",
                          save=save)
