"""The console's webhook pages (owners only): endpoints, their delivery logs, "send again"."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from console.forms import EndpointForm
from shopsite.decorators import owner_required
from shopsite.form_pages import render_form
from webhooks import selectors, services
from webhooks.delivery import SIGNATURE_HEADER, UrlRefused


@owner_required
@require_http_methods(["GET", "POST"])
def webhook_list(request):
    """List the endpoints; register one (its signing secret is shown on this response only)."""
    form = EndpointForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, created = services.endpoint_create(
                url=form.cleaned_data["url"], events=set(form.cleaned_data["events"]),
                description=form.cleaned_data["description"], actor=request.staff.email)
        except UrlRefused as refused:
            form.add_error("url", str(refused))
        except services.TooManyEndpoints as too_many:
            form.add_error(None, str(too_many))
        else:
            messages.success(request, f"Endpoint {endpoint.url} registered. Copy its signing secret now: "
                                      "it is not shown again.")
            form = EndpointForm()
    response = render_form(request, "staff/webhooks/list.html", {
        "form": form, "endpoints": selectors.endpoint_list(), "created": created,
        "signature_header": SIGNATURE_HEADER})
    response["Cache-Control"] = "no-store"  # the new secret must not sit in a cache
    return response


def _endpoint(endpoint_id: str):
    try:
        return selectors.endpoint_get(endpoint_id=endpoint_id)
    except selectors.EndpointNotFound:
        raise Http404("No such endpoint.") from None


@owner_required
@require_http_methods(["GET"])
def webhook_detail(request, endpoint_id):
    """The endpoint and its delivery log: status, attempts, last error, next attempt."""
    endpoint = _endpoint(endpoint_id)
    return render(request, "staff/webhooks/detail.html", {
        "endpoint": endpoint, "deliveries": selectors.delivery_list(endpoint_id=endpoint_id).items})


@owner_required
@require_POST
def webhook_toggle(request, endpoint_id):
    endpoint = _endpoint(endpoint_id)
    services.endpoint_set_active(endpoint_id=endpoint_id, active=not endpoint.active, actor=request.staff.email)
    messages.success(request, f"{endpoint.url}: {'disabled' if endpoint.active else 'enabled'}.")
    return redirect("console:webhook_detail", endpoint_id=endpoint_id)


@owner_required
@require_POST
def webhook_delete(request, endpoint_id):
    endpoint = _endpoint(endpoint_id)
    services.endpoint_delete(endpoint_id=endpoint_id, actor=request.staff.email)
    messages.success(request, f"{endpoint.url} deleted; it receives nothing more.")
    return redirect("console:webhook_list")


@owner_required
@require_POST
def webhook_resend(request, endpoint_id):
    """Send one delivery again now; the log shows how it went."""
    _endpoint(endpoint_id)
    delivery = services.delivery_resend(endpoint_id=endpoint_id, delivery_key=request.POST.get("delivery", "")[:200])
    if delivery is None:
        messages.error(request, "No such delivery (the log keeps 30 days).")
    elif delivery.status == "succeeded":
        messages.success(request, f"{delivery.event_type} {delivery.event_id}: delivered.")
    else:
        messages.error(request, f"{delivery.event_type} {delivery.event_id}: not delivered — {delivery.last_error}")
    return redirect("console:webhook_detail", endpoint_id=endpoint_id)
