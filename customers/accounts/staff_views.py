"""Staff pages for API keys: list, create (the key is shown once), revoke."""
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from customers.accounts import selectors, services
from shopsite.decorators import staff_required
from shopsite.forms import render_form
from shopsite.pagination import page_or_first


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Who the key is for, e.g. “mobile app” or “crm-sync”.")
    scopes = forms.MultipleChoiceField(choices=[(name, f"{name}: {what}") for name, what in sorted(services.API_SCOPES.items())],
                                       widget=forms.CheckboxSelectMultiple)


@staff_required
@require_http_methods(["GET", "POST"])
def staff_api_keys(request):
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


@staff_required
@require_http_methods(["GET", "POST"])
def staff_api_key_revoke(request, key_hash):
    """Ask, then revoke: the key stops working at once and stays listed as revoked."""
    api_key = selectors.api_key_get(key_hash=key_hash)
    if api_key is None:
        messages.error(request, "No such API key.")
        return redirect("customers:staff_api_keys")
    if request.method == "POST":
        services.api_key_revoke(key_hash=key_hash, by=request.staff.email)
        messages.success(request, f"Key “{api_key.name}” ({api_key.prefix}…) is revoked.")
        return redirect("customers:staff_api_keys")
    return render(request, "staff/api_key_revoke.html", {"api_key": api_key})
