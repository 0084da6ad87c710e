"""Sign-in pages for staff and shoppers, the shopper's account, and staff customer pages."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers import auth, selectors, services
from customers.forms import (
    CustomerForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    SetPasswordForm,
    SignupForm,
)
from customers.tokens import staff_email_from_uid, staff_password_tokens
from shopsite.decorators import customer_required, staff_required
from shopsite.forms import form_with_stale_error, render_form
from shopsite.pagination import page_or_first

PROFILE_FIELDS = tuple(name for name in ProfileForm.base_fields if name != "version")
CUSTOMER_FIELDS = tuple(name for name in CustomerForm.base_fields if name != "version")


def _next_url(request, default: str) -> str:
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
            principal = services.login_attempt(scope=scope, **form.cleaned_data)
        except services.LoginLocked as error:
            form.add_error(None, str(error))
        except services.InvalidCredentials:
            form.add_error(None, "That email and password do not match an account.")
        else:
            on_success(request, principal)
            return redirect(_next_url(request, default_next))
    return render_form(request, template, {"form": form, "next": _next_url(request, "")})


@require_http_methods(["GET", "POST"])
def staff_login(request):
    return _login(
        request,
        scope="staff",
        template="staff/login.html",
        on_success=lambda request, staff: auth.staff_login(request, staff=staff),
        default_next=reverse("staff_dashboard"),
    )


@require_POST
def staff_logout(request):
    auth.logout(request)
    messages.info(request, "You are signed out.")
    return redirect("customers:staff_login")


_SET_PASSWORD_SESSION_KEY = "_staff_set_password_token"
_SET_PASSWORD_URL_TOKEN = "set"


@require_http_methods(["GET", "POST"])
def staff_set_password(request, uid, token):
    """Let a staff member set their password through the one-time link ``createstaff`` printed.

    As Django's own reset view does, the token moves from the URL into the
    session at once, so it never sits in the address bar or a Referer header.
    """
    email = staff_email_from_uid(uid)
    staff = selectors.staff_get(email=email) if email else None
    if token != _SET_PASSWORD_URL_TOKEN:
        if staff is not None and staff_password_tokens.check_token(staff, token):
            request.session[_SET_PASSWORD_SESSION_KEY] = token
            return redirect("customers:staff_set_password", uid=uid, token=_SET_PASSWORD_URL_TOKEN)
        return render(request, "staff/set_password.html", {"valid": False}, status=400)
    token = request.session.get(_SET_PASSWORD_SESSION_KEY, "")
    if staff is None or not staff_password_tokens.check_token(staff, token):
        return render(request, "staff/set_password.html", {"valid": False}, status=400)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_set_password(email=staff.email, password=form.cleaned_data["new_password"], expected_hash=staff.password)
        except services.StaleEdit:
            return render(request, "staff/set_password.html", {"valid": False}, status=400)
        del request.session[_SET_PASSWORD_SESSION_KEY]
        messages.success(request, "Your password is set. Sign in with it now.")
        return redirect("customers:staff_login")
    return render_form(request, "staff/set_password.html", {"valid": True, "form": form, "uid": uid})


@require_http_methods(["GET", "POST"])
def login(request):
    return _login(
        request,
        scope="customer",
        template="customers/login.html",
        on_success=lambda request, customer: auth.customer_login(request, customer=customer),
        default_next=reverse("customers:account"),
    )


@require_POST
def logout(request):
    auth.logout(request)
    messages.info(request, "You are signed out.")
    return redirect("catalog:home")


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.customer.is_authenticated:
        return redirect(_next_url(request, reverse("customers:account")))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in PROFILE_FIELDS}
        try:
            customer = services.customer_create(password=form.cleaned_data["password"], **data)
        except services.EmailTaken:
            form.add_error("email", "An account with this email already exists. Sign in instead?")
        else:
            auth.customer_login(request, customer=customer)
            messages.success(request, "Welcome! Your account is ready.")
            return redirect(_next_url(request, reverse("customers:account")))
    return render_form(request, "customers/signup.html", {"form": form, "next": _next_url(request, "")})


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
        if services.customer_authenticate(email=customer.email, password=form.cleaned_data["current_password"]) is None:
            form.add_error("current_password", "That is not your current password.")
        else:
            customer = services.customer_update(customer_id=customer.customer_id, password=form.cleaned_data["new_password"])
            auth.customer_session_refresh(request, customer=customer)
            messages.success(request, "Your password is changed. Other devices have been signed out.")
            return redirect("customers:account")
    return render_form(request, "customers/password.html", {"form": form})


# Staff pages

@staff_required
@require_GET
def staff_customer_list(request):
    email = (request.GET.get("email") or "").strip()
    if email:
        try:
            customer = selectors.customer_get_by_email(email=email)
        except selectors.CustomerNotFound:
            messages.info(request, f"No customer uses the email {email}.")
        else:
            return redirect("customers:staff_detail", customer_id=customer.customer_id)
    page = page_or_first(request, selectors.customer_list, limit=25)
    return render(request, "staff/customers/list.html", {"page": page})


def _customer_or_404(customer_id: str):
    try:
        return selectors.customer_get(customer_id=customer_id)
    except selectors.CustomerNotFound:
        raise Http404("No such customer.") from None


@staff_required
@require_GET
def staff_customer_detail(request, customer_id):
    return render(request, "staff/customers/detail.html", {"customer": _customer_or_404(customer_id)})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_customer_create(request):
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in CUSTOMER_FIELDS}
        try:
            customer = services.customer_create(**data)
        except services.EmailTaken:
            form.add_error("email", "Another customer already uses this email.")
        else:
            messages.success(request, f"Customer {customer.email} created.")
            return redirect("customers:staff_detail", customer_id=customer.customer_id)
    return render_form(request, "staff/customers/form.html", {"form": form})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_customer_edit(request, customer_id):
    customer = _customer_or_404(customer_id)
    initial = {name: getattr(customer, name) for name in CUSTOMER_FIELDS}
    initial["version"] = customer.version
    form = CustomerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in CUSTOMER_FIELDS}
        try:
            services.customer_update(customer_id=customer_id, expected_version=form.cleaned_data["version"], **data)
        except services.EmailTaken:
            form.add_error("email", "Another customer already uses this email.")
        except services.StaleEdit as error:
            form = form_with_stale_error(form, current_version=error.current.version, what="this customer")
        except selectors.CustomerNotFound:
            messages.error(request, "This customer was deleted in the meantime.")
            return redirect("customers:staff_list")
        else:
            messages.success(request, "Customer saved.")
            return redirect("customers:staff_detail", customer_id=customer_id)
    return render_form(request, "staff/customers/form.html", {"form": form, "customer": customer})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_customer_delete(request, customer_id):
    customer = _customer_or_404(customer_id)
    if request.method == "POST":
        try:
            services.customer_delete(customer_id=customer_id)
        except selectors.CustomerNotFound:
            pass
        messages.success(request, f"Customer {customer.email} deleted.")
        return redirect("customers:staff_list")
    return render(request, "staff/customers/delete.html", {"customer": customer})
