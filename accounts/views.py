"""The shopper's sign-in pages: sign in and out, "forgot password" and the emailed set-password link."""
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from customers import selectors as customer_selectors
from customers import services as customer_services
from accounts import auth, services
from accounts.flows import one_time_link, sign_in, sign_out
from accounts.tokens import customer_password_tokens, uid_decode
from customers.forms import PasswordResetForm
from shopsite.clients import client_address
from shopsite.form_pages import render_form


@require_http_methods(["GET", "POST"])
def login(request):
    return sign_in(request, scope="customer", template="customers/login.html", default_next=reverse("accounts:account"),
                   on_success=lambda request, customer: auth.customer_login(request, customer=customer))


@require_POST
def logout(request):
    return sign_out(request, then="catalog:home")


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
        return redirect("accounts:login")
    return render_form(request, "customers/password_reset.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request, uid, token):
    """Set a new password through an emailed link, then sign in."""
    customer_id = uid_decode(uid)

    def save(customer, password):
        customer = customer_services.customer_update(customer_id=customer.customer_id, expected_version=customer.version,
                                                     password=password)
        auth.customer_login(request, customer=customer)
        messages.success(request, "Your password is set and you are signed in.")
        return redirect("accounts:account")

    return one_time_link(request, uid=uid, token=token,
                         account=customer_selectors.customer_find(customer_id=customer_id) if customer_id else None,
                         tokens=customer_password_tokens, session_key=_RESET_SESSION_KEY,
                         url_name="accounts:password_reset_confirm", template="customers/password_reset_confirm.html",
                         save=save)
