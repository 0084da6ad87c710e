"""Owners' pages: people (invite, deactivate, roles) and API keys (create, shown once; revoke)."""
from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from accounts.tokens import staff_password_tokens, uid_encode
from shopsite.decorators import owner_required
from shopsite.emails import email_send
from shopsite.form_pages import render_form
from shopsite.links import site_url
from shopsite.pagination import page_or_first
from shopsite.transactions import StaleEdit


class InviteForm(forms.Form):
    email = forms.EmailField(max_length=254)
    name = forms.CharField(max_length=100, required=False)
    role = forms.ChoiceField(choices=list(services.STAFF_ROLES.items()), initial="staff", widget=forms.RadioSelect)


@owner_required
@require_http_methods(["GET", "POST"])
def people(request):
    """Every staff account; invite one by email (they choose a password through a one-time link)."""
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        staff, created = services.staff_invite(email=form.cleaned_data["email"], name=form.cleaned_data["name"],
                                               role=form.cleaned_data["role"], actor=request.staff.email)
        if not created:
            form.add_error("email", "This person already has a staff account.")
        else:
            path = reverse("console:set_password",
                           kwargs={"uid": uid_encode(staff.email), "token": staff_password_tokens.make_token(staff)})
            sent = email_send(to=staff.email, template="staff_invite", subject="You are invited to the staff console",
                              context={"staff": staff, "inviter": request.staff, "link": site_url(path),
                                       "hours": settings.STAFF_PASSWORD_LINK_SECONDS // 3600})
            messages.success(request, f"Invitation {'sent' if sent else 'queued'} to {staff.email}.")
            return redirect("console:people")
    page = page_or_first(request, selectors.staff_list)
    return render_form(request, "staff/people.html", {"form": form, "page": page})


@owner_required
@require_POST
def person_change(request, email):
    """Deactivate, reactivate, or change the role of one staff account (never your own)."""
    target = selectors.staff_find(email=email)
    change = request.POST.get("change", "")
    changes = {"deactivate": {"active": False}, "reactivate": {"active": True},
               "owner": {"role": "owner"}, "staff": {"role": "staff"}}.get(change)
    if target is None or changes is None:
        messages.error(request, "No such person or change.")
    elif target.email == request.staff.email:
        messages.error(request, "You cannot change your own account here; ask another owner.")
    else:
        try:
            services.staff_change(email=target.email, actor=request.staff.email, **changes)
        except services.LastOwner:
            messages.error(request, "The shop needs at least one active owner.")
        except StaleEdit:
            messages.error(request, f"{target.email} was changed by someone else meanwhile; check and try again.")
        else:
            messages.success(request, f"{target.email}: {change}d." if change.endswith("activate")
                             else f"{target.email} is now {change}.")
    return redirect("console:people")


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Who the key is for, e.g. “mobile app” or “crm-sync”.")
    scopes = forms.MultipleChoiceField(choices=[(name, f"{name}: {what}") for name, what in sorted(services.API_SCOPES.items())],
                                       widget=forms.CheckboxSelectMultiple)


@owner_required
@require_http_methods(["GET", "POST"])
def api_keys(request):
    """List the keys; create one (its secret is shown on this response only)."""
    form = ApiKeyForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        api_key, created = services.api_key_create(name=form.cleaned_data["name"], scopes=set(form.cleaned_data["scopes"]))
        messages.success(request, f"Key “{api_key.name}” created. Copy it now: it is not shown again.")
        form = ApiKeyForm()
    page = page_or_first(request, selectors.api_key_list)
    response = render_form(request, "staff/api_keys.html", {"form": form, "page": page, "created": created})
    response["Cache-Control"] = "no-store"  # the new key must not sit in a cache
    return response


@owner_required
@require_http_methods(["GET", "POST"])
def api_key_revoke(request, key_hash):
    """Ask, then revoke: the key stops working at once and stays listed as revoked."""
    api_key = selectors.api_key_find_by_hash(key_hash=key_hash)
    if api_key is None:
        messages.error(request, "No such API key.")
        return redirect("console:api_keys")
    if request.method == "POST":
        services.api_key_revoke(key_hash=key_hash, by=request.staff.email)
        messages.success(request, f"Key “{api_key.name}” ({api_key.prefix}…) is revoked.")
        return redirect("console:api_keys")
    return render(request, "staff/api_key_revoke.html", {"api_key": api_key})
