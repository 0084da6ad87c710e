"""/staff/orders/: the orders by status, one order (status, notes, address, packing slip), bulk changes and the CSV export."""
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from console.bulk import STALE, BulkAction, BulkRefused, bulk_view, version_seen
from console.exports import csv_download, pages_all
from orders import selectors, services
from console.forms import OrderFilterForm, OrderNoteForm, ShipForm, TransitionForm
from orders.forms import AddressForm
from orders.notifications import order_note_send
from shopsite.decorators import refreshable, staff_required
from shopsite.pagination import Page, page_or_first


@staff_required
@require_GET
@refreshable(lambda request: selectors.orders_changed_marks())
def order_list(request):
    number = request.GET.get("number", "").strip()[:254]
    if "@" in number:  # an email: that customer's orders and the guest orders placed with it
        orders = selectors.order_list_for_email(email=number)
        return render(request, "staff/orders/list.html", {
            "page": Page(items=orders, next_cursor=None), "statuses": selectors.ORDER_STATUSES, "number": number,
            "found_for": number, "bulk_actions": ORDER_BULK, "counts": selectors.order_figures().by_status})
    if number:
        order = selectors.order_find_by_reference(reference=number)
        if order is not None:
            return redirect("console:order_detail", order_id=order.order_id)
        messages.error(request, f"No order has the number “{number[:20]}”.")
    form = OrderFilterForm(request.GET, initial={"status": "all"})
    filters = form.selector_filters()
    page = page_or_first(request, selectors.order_list_by_status, **filters)
    counts = selectors.order_figures().by_status
    if filters["status"] != "all" and not (filters["date_from"] or filters["date_to"] or filters["provider"]):
        page.count = counts.get(filters["status"])
    extra = urlencode({key: value for key, value in request.GET.items() if key in form.fields and value})
    return render(request, "staff/orders/list.html", {
        "page": page, "status": filters["status"], "statuses": selectors.ORDER_STATUSES, "counts": counts,
        "form": form, "extra_query": extra or f"status={filters['status']}", "number": number,
        "bulk_actions": ORDER_BULK})


def _order_bulk(status: str, done: str):
    """A bulk status change: each order moves only from the version staff saw, and its shopper is emailed."""
    def run(*, item_id: str, seen: str, data: dict, actor: str, request=None) -> str:
        try:
            order = services.order_transition(order_id=item_id, status=status, actor=actor,
                                              expected_version=version_seen(seen),
                                              carrier=data.get("carrier", ""), tracking_number=data.get("tracking", ""))
        except services.StaleOrder:
            raise BulkRefused(STALE) from None
        except services.OrderNotFound:
            raise BulkRefused("no such order") from None
        except services.TransitionRefused as refused:
            raise BulkRefused(str(refused)) from None
        return done + (f", tracking {order.tracking_number}" if status == "shipped" and order.tracking_number else "")
    return run


ORDER_BULK = {
    "paid": BulkAction("Mark paid", _order_bulk("paid", "marked paid")),
    "shipped": BulkAction("Mark shipped", _order_bulk("shipped", "marked shipped"), form=ShipForm, per_item=("tracking",)),
    "cancelled": BulkAction("Cancel", _order_bulk("cancelled", "cancelled, stock put back")),
}


@staff_required
@require_POST
def order_bulk(request):
    return bulk_view(request, actions=ORDER_BULK, back="console:order_list", what="orders", actor=request.staff.email,
                     labels=lambda ids: {order_id: f"Order {order.reference} ({order.email})"
                                         for order_id, order in selectors.order_get_many(order_ids=ids).items()})


@staff_required
@require_GET
def order_packing_slip(request, order_id):
    """A printable packing slip: what goes in the box and where it goes, no prices."""
    return render(request, "staff/orders/packing_slip.html", {"order": _order_or_404(order_id)})


def _order_or_404(order_id):
    order = selectors.order_find(order_id=order_id)
    if order is None:
        raise Http404("No such order.")
    return order


@staff_required
@require_GET
def order_detail(request, order_id):
    order = _order_or_404(order_id)
    # In the order an order lives them (paid, shipped, …): cancelling and refunding come last, not first.
    next_statuses = [status for status in selectors.ORDER_STATUSES if status in services.TRANSITIONS[order.status]]
    return render(request, "staff/orders/detail.html", {"order": order, "next_statuses": next_statuses,
                                                        "guest": order.customer_id.startswith("guest#"),
                                                        "note_form": OrderNoteForm(),
                                                        "address_form": AddressForm(initial=order.address.as_dict(),
                                                                                    prefix="address")
                                                        if order.status in services.ADDRESS_EDITABLE else None})


@staff_required
@require_POST
def order_address(request, order_id):
    """Change the shipping address of an order not shipped yet (from the version on screen)."""
    order = _order_or_404(order_id)
    form = AddressForm(request.POST, prefix="address")
    if not form.is_valid():
        messages.error(request, "The address needs a name, line 1, city, postal code and country: "
                       + "; ".join(f"{form.fields[name].label or name}: {' '.join(errors)}"
                                   for name, errors in form.errors.items()))
        return redirect("console:order_detail", order_id=order_id)
    try:
        services.order_address_update(order_id=order_id, address=form.cleaned_data, actor=request.staff.email,
                                      expected_version=int(request.POST.get("version") or -1))
    except services.OrderNotFound:
        raise Http404("No such order.") from None
    except services.StaleOrder:
        messages.error(request, "Someone else changed this order in the meantime. Check it and try again.")
    except services.TransitionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"The shipping address of order {order.reference} is changed.")
    return redirect("console:order_detail", order_id=order_id)


@staff_required
@require_POST
def order_note(request, order_id):
    """Add a note: internal, or to the customer (emailed, and shown on their order page)."""
    _order_or_404(order_id)
    form = OrderNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write the note first (at most 2,000 characters).")
        return redirect("console:order_detail", order_id=order_id)
    try:
        order, note = services.order_note_add(order_id=order_id, text=form.cleaned_data["text"],
                                              author=request.staff.email, to_customer=form.cleaned_data["to_customer"])
    except services.OrderNotFound:
        raise Http404("No such order.") from None
    except services.TransitionRefused as refused:
        messages.error(request, str(refused))
        return redirect("console:order_detail", order_id=order_id)
    except services.StaleOrder:
        messages.error(request, "The order kept changing while the note was saved; nothing was added. Try again.")
        return redirect("console:order_detail", order_id=order_id)
    if note.to_customer:
        order_note_send(order=order, note=note)
        messages.success(request, f"Note sent to {order.email}.")
    else:
        messages.success(request, "Internal note added.")
    return redirect("console:order_detail", order_id=order_id)


@staff_required
@require_POST
def order_transition(request, order_id):
    order = _order_or_404(order_id)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid status; a carrier and tracking number have at most 60 characters.")
        return redirect("console:order_detail", order_id=order_id)
    try:
        order = services.order_status_set(
            order_id=order_id, status=form.cleaned_data["status"], actor=request.staff.email,
            expected_version=form.cleaned_data["version"],
            carrier=form.cleaned_data["carrier"], tracking_number=form.cleaned_data["tracking_number"],
        )
    except services.PaymentError:
        messages.error(request, "The payment service refused or could not be reached; nothing was refunded. Try again.")
    except services.OrderNotFound:
        raise Http404("No such order.") from None
    except services.TransitionRefused as error:
        messages.error(request, str(error))
    except services.StaleOrder:
        messages.error(request, "Someone else changed this order in the meantime. Check its status and try again.")
    else:
        messages.success(request, f"Order marked {form.cleaned_data['status']}.")
    return redirect("console:order_detail", order_id=order.order_id)


@staff_required
@require_GET
def order_export(request):
    """The orders on screen (tab, dates, payment), as CSV, one row per order line."""
    filters = OrderFilterForm(request.GET, initial={"status": "all"}).selector_filters()
    status = filters["status"]
    header = ["number", "order_id", "placed_at", "status", "email", "product", "quantity", "unit_price_cents",
              "shipping_cents", "total_cents", "carrier", "tracking_number"]
    rows = ([order.reference, order.order_id, order.created_at.isoformat(), order.status, order.email, line.name,
             line.quantity, line.unit_price_cents, order.shipping_cents, order.total_cents, order.carrier or "",
             order.tracking_number or ""]
            for order in pages_all(selectors.order_list_by_status, **filters) for line in order.lines)
    return csv_download(request, filename=f"orders-{status}.csv", header=header, rows=rows,
                        back=f"{reverse('console:order_list')}?status={status}")
