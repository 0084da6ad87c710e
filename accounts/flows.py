"""The sign-in and one-time-link flows the shop's and the console's pages share (the pages themselves stay in their apps)."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from accounts import auth, services
from customers.forms import LoginForm, SetPasswordForm
from shopsite.clients import client_address
from shopsite.form_pages import render_form
from shopsite.transactions import StaleEdit

SET_PASSWORD_URL_TOKEN = "set"


def next_url(request, default: str) -> str:
    """The ``next`` the form or link carries when it stays on this site, else *default*."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def sign_in(request, *, scope: str, template: str, on_success, default_next: str):
    """Check a LoginForm through the throttled services.login_attempt; on success call *on_success*(request, principal)."""
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


def sign_out(request, *, then: str):
    """Sign whoever it is out, say so, and land on the URL named *then* (the shop's and the console's sign-out)."""
    auth.logout(request)
    messages.info(request, "You are signed out.")
    return redirect(then)


def one_time_link(request, *, uid, token, account, tokens, session_key: str, url_name: str, template: str, save):
    """The flow both set-password links share, as Django's own reset view does it.

    The token moves from the URL into the session at once, so it never sits
    in the address bar or a Referer header; then a SetPasswordForm; *save*
    (account, password) stores it conditionally, raising StaleEdit when the
    account changed meanwhile (the link was used twice at once), and returns
    the response for success.
    """
    def invalid():
        return render(request, template, {"valid": False}, status=400)

    if token != SET_PASSWORD_URL_TOKEN:
        if account is not None and tokens.check_token(account, token):
            request.session[session_key] = token
            return redirect(url_name, uid=uid, token=SET_PASSWORD_URL_TOKEN)
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
