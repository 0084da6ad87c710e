"""A shopper's own account: sign up, profile, email, password."""
from django.contrib import messages
from django.core import signing
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from customers import selectors, services, signals
from accounts import auth
from accounts import services as account_services
from accounts.flows import next_url
from shopsite.clients import client_address
from customers.forms import AccountForm, EmailChangeForm, PasswordChangeForm, ProfileForm, SignupForm
from shopsite.decorators import customer_required
from shopsite.emails import email_send
from shopsite.form_pages import form_with_stale_error, render_form
from shopsite.links import site_url

PROFILE_FIELDS = tuple(name for name in ProfileForm.base_fields if name != "version")
ACCOUNT_FIELDS = tuple(name for name in AccountForm.base_fields if name != "version")
EMAIL_CHANGE_SALT = "shopsite.customers.email-change"
EMAIL_CHANGE_SECONDS = 24 * 60 * 60


@require_http_methods(["GET", "POST"])
def signup(request):
    """Sign up: the account is created when the link emailed to the address is opened. The answer is the same
    whether or not the email already has an account (its owner gets an email saying so instead)."""
    if request.customer.is_authenticated:
        return redirect(next_url(request, reverse("accounts:account")))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in PROFILE_FIELDS}
        email = data.pop("email")
        token, existing = services.signup_request(email=email, password=form.cleaned_data["password"],
                                                  next_url=next_url(request, ""), **data)
        if existing is not None:
            email_send(to=existing.email, template="signup_taken", subject="Someone tried to sign up with your email",
                       context={"customer": existing, "login_url": site_url(reverse("accounts:login")),
                                "reset_url": site_url(reverse("accounts:password_reset"))})
        else:
            email_send(to=email, template="signup_confirm", subject="Confirm your email to finish signing up",
                       context={"hours": services.SIGNUP_LINK_SECONDS // 3600,
                                "confirm_url": site_url(reverse("accounts:signup_confirm", kwargs={"token": token}))})
        return render(request, "customers/signup_sent.html", {"email": email})
    return render_form(request, "customers/signup.html", {"form": form, "next": next_url(request, "")})


@require_http_methods(["GET", "POST"])
def signup_confirm(request, token):
    """The link from the signup email: a button (mail scanners open links; only a POST creates the account),
    then the new account is signed in here."""
    try:
        pending = services.signup_pending(token=token)
    except services.SignupLinkInvalid:
        return render(request, "customers/signup_confirm.html", {"invalid": True}, status=400)
    if request.method == "POST":
        try:
            customer, going = services.signup_confirm(token=token)
        except services.SignupLinkInvalid:
            return render(request, "customers/signup_confirm.html", {"invalid": True}, status=400)
        except services.EmailTaken:
            return render(request, "customers/signup_confirm.html", {"taken": True, "email": pending.email}, status=409)
        email_send(to=customer.email, template="welcome", subject="Welcome", context={
            "customer": customer, "login_url": site_url(reverse("accounts:login"))})
        signals.customer_signed_up.send(sender=customer.__class__, request=request, customer=customer)
        auth.customer_login(request, customer=customer)
        messages.success(request, "Welcome! Your account is ready.")
        target = going if going and url_has_allowed_host_and_scheme(going, allowed_hosts={request.get_host()}) else ""
        return redirect(target or reverse("accounts:account"))
    return render(request, "customers/signup_confirm.html", {"email": pending.email})


@customer_required
@require_http_methods(["GET", "POST"])
def account(request):
    customer = request.customer
    initial = {name: getattr(customer, name) for name in ACCOUNT_FIELDS}
    initial["version"] = customer.version
    form = AccountForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in ACCOUNT_FIELDS}
        try:
            services.customer_update(
                customer_id=customer.customer_id, expected_version=form.cleaned_data["version"], **data
            )
        except services.StaleEdit as error:
            form = form_with_stale_error(form, current_version=error.current.version, what="your profile")
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("accounts:account")
    return render_form(request, "customers/account.html", {"form": form})


def _current_password_confirmed(request, form, *, customer) -> bool:
    """Check the form's current_password through the sign-in throttle; on failure say why on that field."""
    try:
        account_services.login_attempt(scope="customer", email=customer.email, client=client_address(request),
                                       password=form.cleaned_data["current_password"])
    except account_services.LoginLocked as locked:
        form.add_error("current_password", str(locked))
    except account_services.InvalidCredentials:
        form.add_error("current_password", "That is not your current password.")
    else:
        return True
    return False


@customer_required
@require_http_methods(["GET", "POST"])
def email_change(request):
    """Ask to change the account's email: the current password now, then a link sent to the new address
    (nothing changes until it is opened); the old address is told at once."""
    customer = request.customer
    form = EmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        new_email = form.cleaned_data["new_email"]
        if _current_password_confirmed(request, form, customer=customer):
            if new_email != customer.email:
                token = signing.dumps({"c": customer.customer_id, "old": customer.email, "new": new_email},
                                      salt=EMAIL_CHANGE_SALT)
                email_send(to=new_email, template="email_change_confirm", subject="Confirm your new email", context={
                    "customer": customer, "new_email": new_email, "hours": EMAIL_CHANGE_SECONDS // 3600,
                    "confirm_url": site_url(reverse("accounts:email_confirm", kwargs={"token": token}))})
                email_send(to=customer.email, template="email_change_notice", subject="A change of your email was asked for",
                           context={"customer": customer, "new_email": new_email, "done": False,
                                    "password_url": site_url(reverse("accounts:password_reset"))})
            messages.info(request, f"We sent a link to {new_email}. Your email changes when you open it.")
            return redirect("accounts:account")
    return render_form(request, "customers/email_change.html", {"form": form, "customer": customer})


@require_http_methods(["GET", "POST"])
def email_confirm(request, token):
    """The link sent to a new address: a button (mail scanners open links; only a POST changes the email)."""
    try:
        data = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=EMAIL_CHANGE_SECONDS)
    except signing.BadSignature:
        data = None
    customer = selectors.customer_find(customer_id=data["c"]) if isinstance(data, dict) and data.get("c") else None
    if customer is None or customer.email != data.get("old"):  # used already, or the email changed since
        return render(request, "customers/email_confirm.html", {"invalid": True}, status=400)
    if request.method == "POST":
        try:
            services.customer_update(customer_id=customer.customer_id, expected_version=customer.version,
                                     email=data["new"])
        except services.EmailTaken:
            return render(request, "customers/email_confirm.html", {"taken": True, "new_email": data["new"]},
                          status=409)
        except services.StaleEdit:
            return redirect(request.path)  # the account changed a moment ago: read it again
        email_send(to=data["old"], template="email_change_notice", subject="Your email was changed",
                   context={"customer": customer, "new_email": data["new"], "done": True,
                            "password_url": site_url(reverse("accounts:password_reset"))})
        messages.success(request, f"Your email is now {data['new']}.")
        return redirect("accounts:account" if request.customer.is_authenticated else "accounts:login")
    return render(request, "customers/email_confirm.html", {"new_email": data["new"]})


@customer_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        customer = request.customer
        if _current_password_confirmed(request, form, customer=customer):
            customer = services.customer_update(customer_id=customer.customer_id, password=form.cleaned_data["new_password"])
            auth.customer_session_refresh(request, customer=customer)
            messages.success(request, "Your password is changed. Other devices have been signed out.")
            return redirect("accounts:account")
    return render_form(request, "customers/password.html", {"form": form})
