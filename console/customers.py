"""Staff pages for customer records: list, search, bulk changes, view, create, edit, delete."""
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from console.bulk import STALE, BulkAction, BulkRefused, bulk_view, version_seen
from console.exports import csv_download, pages_all
from customers import selectors, services
from console.forms import CustomerFilterForm
from customers.forms import CustomerForm
from orders.selectors import order_list_for_email
from shopsite.audit import AUDIT_LIMIT, audit_list
from shopsite.counters import LIST_TOTAL_MAX_AGE
from shopsite.decorators import staff_required
from shopsite.form_pages import delete_confirmed, form_with_stale_error, render_form
from shopsite.pagination import page_or_first

ORDERS_SHOWN = 10  # on a customer's page; past that, a link to the orders list filtered by their email
CUSTOMER_FIELDS = tuple(name for name in CustomerForm.base_fields if name != "version")


@staff_required
@require_GET
def customer_list(request):
    """Customers newest (or oldest) first, by status, or found by email / surname / phone prefix."""
    email = (request.GET.get("email") or "").strip()
    if email:  # the exact-email look-up older links use: straight to the record
        try:
            customer = selectors.customer_get_by_email(email=email)
        except selectors.CustomerNotFound:
            messages.info(request, f"No customer uses the email {email}.")
        else:
            return redirect("console:customer_detail", customer_id=customer.customer_id)
    form = CustomerFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    query = filters.get("q", "")
    if query:
        page = page_or_first(request, selectors.customer_search, query=query)
    else:
        page = page_or_first(request, selectors.customer_list, status=filters.get("status", ""),
                             oldest_first=filters.get("sort") == "oldest")
        if not filters.get("status"):
            page.count = selectors.customer_count(max_age=LIST_TOTAL_MAX_AGE)
    extra = urlencode({k: v for k, v in filters.items() if v})
    return render(request, "staff/customers/list.html", {"page": page, "form": form, "extra_query": extra,
                                                         "query": query, "bulk_actions": CUSTOMER_BULK})


def _set_status(status: str, done: str):
    def run(*, item_id: str, seen: str, data: dict, actor: str, request=None) -> str:
        try:
            services.customer_update(customer_id=item_id, expected_version=version_seen(seen), status=status, actor=actor)
        except services.StaleEdit:
            raise BulkRefused(STALE) from None
        except selectors.CustomerNotFound:
            raise BulkRefused("deleted in the meantime") from None
        except services.GuestRecord:
            raise BulkRefused("a guest: their record follows their orders") from None
        return done
    return run


CUSTOMER_BULK = {"deactivate": BulkAction("Deactivate", _set_status("inactive", "deactivated")),
                 "activate": BulkAction("Reactivate", _set_status("active", "active again"))}


@staff_required
@require_POST
def customer_bulk(request):
    return bulk_view(request, actions=CUSTOMER_BULK, back="console:customer_list", what="customers",
                     actor=request.staff.email, labels=lambda ids: {
                         c.customer_id: c.email for c in selectors.customer_get_many(customer_ids=ids)})


def _customer_or_404(customer_id: str):
    try:
        return selectors.customer_get(customer_id=customer_id)
    except selectors.CustomerNotFound:
        raise Http404("No such customer.") from None


def _guest_refused(request, customer):
    """A guest's record is not edited or deleted (it follows their orders): back to it, saying so."""
    messages.info(request, "This is a guest's record: it follows their orders and becomes an account when they "
                           "sign up with this email, so it cannot be edited or deleted.")
    return redirect("console:customer_detail", customer_id=customer.customer_id)


@staff_required
@require_GET
def customer_detail(request, customer_id):
    customer = _customer_or_404(customer_id)
    return render(request, "staff/customers/detail.html", {
        "customer": customer, "audit": audit_list(subject=f"customer#{customer_id}", limit=AUDIT_LIMIT),
        "audit_limit": AUDIT_LIMIT,
        # With the guest orders placed with the email: one Query of orders' email index.
        "orders": order_list_for_email(email=customer.email, limit=ORDERS_SHOWN), "orders_shown": ORDERS_SHOWN,
    })


@staff_required
@require_http_methods(["GET", "POST"])
def customer_create(request):
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in CUSTOMER_FIELDS}
        try:
            customer = services.customer_create(actor=request.staff.email, **data)
        except services.EmailTaken:
            form.add_error("email", "Another customer already uses this email.")
        else:
            messages.success(request, f"Customer {customer.email} created.")
            return redirect("console:customer_detail", customer_id=customer.customer_id)
    return render_form(request, "staff/customers/form.html", {"form": form})


@staff_required
@require_http_methods(["GET", "POST"])
def customer_edit(request, customer_id):
    customer = _customer_or_404(customer_id)
    if customer.is_guest:
        return _guest_refused(request, customer)
    initial = {name: getattr(customer, name) for name in CUSTOMER_FIELDS}
    initial["version"] = customer.version
    form = CustomerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in CUSTOMER_FIELDS}
        try:
            services.customer_update(customer_id=customer_id, expected_version=form.cleaned_data["version"],
                                     actor=request.staff.email, **data)
        except services.EmailTaken:
            form.add_error("email", "Another customer already uses this email.")
        except services.StaleEdit as error:
            form = form_with_stale_error(form, current_version=error.current.version, what="this customer")
        except selectors.CustomerNotFound:
            messages.error(request, "This customer was deleted in the meantime.")
            return redirect("console:customer_list")
        else:
            messages.success(request, "Customer saved.")
            return redirect("console:customer_detail", customer_id=customer_id)
    return render_form(request, "staff/customers/form.html", {"form": form, "customer": customer})


@staff_required
@require_http_methods(["GET", "POST"])
def customer_delete(request, customer_id):
    customer = _customer_or_404(customer_id)
    if customer.is_guest:
        return _guest_refused(request, customer)
    return delete_confirmed(
        request, template="staff/customers/delete.html", context={"customer": customer},
        delete=lambda: services.customer_delete(customer_id=customer_id, actor=request.staff.email), gone=(selectors.CustomerNotFound,),
        refusals={services.StaleEdit: f"{customer.email} changed while you were deleting it. Check it and try again."},
        done="console:customer_list", done_message=f"Customer {customer.email} deleted.",
    )


@staff_required
@require_GET
def customer_export(request):
    """The customers as CSV, filtered and sorted as on the list."""
    header = ["customer_id", "email", "first_name", "last_name", "phone", "line1", "line2", "city", "postal_code",
              "country", "status", "created_at"]
    form = CustomerFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    if filters.get("q"):
        found = pages_all(selectors.customer_search, query=filters["q"])
    else:
        found = pages_all(selectors.customer_list, status=filters.get("status", ""),
                          oldest_first=filters.get("sort") == "oldest")
    rows = ([getattr(c, name) for name in header[:-1]] + [c.created_at.isoformat()] for c in found)
    return csv_download(request, filename="customers.csv", header=header, rows=rows, back=reverse("console:customer_list"))
