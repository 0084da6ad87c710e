"""A shopper's own account: sign up, profile, password."""
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from customers import services, signals
from customers.accounts import auth
from customers.accounts import services as account_services
from customers.accounts.views import next_url
from shopsite.clients import client_address
from customers.forms import PasswordChangeForm, ProfileForm, SignupForm
from shopsite.decorators import customer_required
from shopsite.emails import email_send
from shopsite.forms import form_with_stale_error, render_form

PROFILE_FIELDS = tuple(name for name in ProfileForm.base_fields if name != "version")


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.customer.is_authenticated:
        return redirect(next_url(request, reverse("customers:account")))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        customer = None
        data = {name: form.cleaned_data[name] for name in PROFILE_FIELDS}
        try:
            customer = services.customer_create(password=form.cleaned_data["password"], **data)
            email_send(to=customer.email, template="welcome", subject="Welcome", context={
                "customer": customer, "login_url": request.build_absolute_uri(reverse("customers:login"))})
            signals.customer_signed_up.send(sender=customer.__class__, request=request, customer=customer)
        except services.EmailTaken:
            # The same person again, whose first try committed but never got its answer (an outage,
            # a lost connection)? Their password proves it (checked through the sign-in throttle,
            # so this form is no way around it): sign them in instead of refusing.
            try:
                customer = account_services.login_attempt(scope="customer", email=data["email"], client=client_address(request),
                                                          password=form.cleaned_data["password"])
            except (account_services.LoginLocked, account_services.InvalidCredentials):
                form.add_error("email", "An account with this email already exists. Sign in, or use “Forgot your password?” "
                                        "to get a link by email (also for an account the shop created for you).")
        if customer is not None:
            auth.customer_login(request, customer=customer)
            messages.success(request, "Welcome! Your account is ready.")
            return redirect(next_url(request, reverse("customers:account")))
    return render_form(request, "customers/signup.html", {"form": form, "next": next_url(request, "")})


@customer_required
@require_http_methods(["GET", "POST"])
def account(request):
    customer = request.customer
    initial = {name: getattr(customer, name) for name in PROFILE_FIELDS}
    initial["version"] = customer.version
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in PROFILE_FIELDS}
        try:
            services.customer_update(
                customer_id=customer.customer_id, expected_version=form.cleaned_data["version"], **data
            )
        except services.EmailTaken:
            form.add_error("email", "Another account already uses this email.")
        except services.StaleEdit as error:
            form = form_with_stale_error(form, current_version=error.current.version, what="your profile")
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("customers:account")
    return render_form(request, "customers/account.html", {"form": form})


@customer_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        customer = request.customer
        try:
            account_services.login_attempt(scope="customer", email=customer.email, client=client_address(request),
                                           password=form.cleaned_data["current_password"])
        except account_services.LoginLocked as locked:
            form.add_error("current_password", str(locked))
        except account_services.InvalidCredentials:
            form.add_error("current_password", "That is not your current password.")
        else:
            customer = services.customer_update(customer_id=customer.customer_id, password=form.cleaned_data["new_password"])
            auth.customer_session_refresh(request, customer=customer)
            messages.success(request, "Your password is changed. Other devices have been signed out.")
            return redirect("customers:account")
    return render_form(request, "customers/password.html", {"form": form})
