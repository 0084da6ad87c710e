"""Cart, checkout and the shopper's own orders."""
import uuid
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.utils.translation import gettext as _

from catalog.selectors import product_get_many
from catalog.variants import line_key_split, variant_of
from orders import selectors, services
from orders.cart import cart_count_refresh, cart_id_for_request
from customers import services as customer_services
from orders import notifications
from accounts import services as account_services
from orders.forms import CartAddForm, CartUpdateForm, CheckoutForm, GuestCheckoutForm, GuestLinkForm, PlaceOrderForm
from orders.payments import PaymentError, provider_get, providers
from orders.selectors import Cart
from shopsite.decorators import customer_required, login_redirect, refreshable, same_origin_post
from shopsite.form_pages import render_form
from shopsite.pagination import page_or_first
from shopsite.templatetags.shop import money
from shopsite.clients import client_address
from shopsite.emails import email_request
from shopsite.links import site_url

ADDRESS_SESSION_KEY = "checkout_address"


@require_GET
def cart(request):
    current = selectors.cart_get(cart_id=cart_id_for_request(request))
    cart_count_refresh(request, current)
    return render(request, "orders/cart.html", {"cart": current, "max_lines": selectors.MAX_CART_LINES})


@require_GET
def cart_hello(request):
    """Give a browser without cookies its browser secret (the CSRF cookie an anonymous cart is keyed by) before
    its first "Add to cart": a product page shared at the edge sets no cookie, so its script asks here once,
    and tabs that then add at the same moment share one cart."""
    get_token(request)
    response = HttpResponse(status=204)
    response["Cache-Control"] = "no-store"
    return response


@same_origin_post  # catalog pages shared at the edge carry no CSRF token (shopsite.edge)
@require_POST
def cart_add(request):
    form = CartAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a quantity between 1 and 999.")
        return redirect(_safe_back(request) or reverse("orders:cart"))
    try:
        quantity, capped = services.cart_add(
            cart_id=cart_id_for_request(request, create=True), **form.cleaned_data
        )
    except services.VariantNeeded:
        messages.error(request, _("Choose an option first."))
        return redirect(_safe_back(request) or reverse("orders:cart"))
    except services.ProductUnavailable:
        messages.error(request, "Sorry, that product is not available any more.")
    except services.CartTooLarge:
        messages.error(request, f"A cart can hold at most {selectors.MAX_CART_LINES} different products.")
    else:
        if capped:
            messages.warning(request, f"Only {quantity} in stock: your cart now holds all of them.")
        else:
            messages.success(request, _("Added to your cart."))
    return redirect("orders:cart")  # the cart page refreshes the header's count


def _safe_back(request):
    referer = request.META.get("HTTP_REFERER", "")
    return referer if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}) else None


@require_POST
def cart_update(request):
    form = CartUpdateForm(request.POST)
    cart_id = cart_id_for_request(request)
    if not form.is_valid() or cart_id is None:
        messages.error(request, "Enter a quantity between 0 and 999.")
        return redirect("orders:cart")
    try:
        quantity, capped = services.cart_set_quantity(cart_id=cart_id, **form.cleaned_data)
    except services.LineNotInCart:
        messages.info(request, "That product is no longer in your cart (changed in another window?).")
        return redirect("orders:cart")
    if capped:
        messages.warning(request, f"Only {quantity} in stock: quantity adjusted." if quantity else "That product is no longer available; removed it.")
    else:
        messages.success(request, _("Cart updated.") if quantity else _("Removed from your cart."))
    return redirect("orders:cart")


def _shopper(request):
    """Who is checking out: the signed-in customer, or a guest known by the email they typed (else None)."""
    if request.customer.is_authenticated:
        return request.customer
    email = (request.session.get(ADDRESS_SESSION_KEY) or {}).get("email")
    return services.GuestShopper(email=email) if email else None


@require_http_methods(["GET", "POST"])
def checkout(request):
    """Step 1: the shipping address (prefilled from the profile) and how to pay; guests add their email."""
    current = selectors.cart_get(cart_id=cart_id_for_request(request))
    if not current.lines:
        messages.info(request, _("Your cart is empty."))
        return redirect("orders:cart")
    if not request.customer.is_authenticated:
        form = GuestCheckoutForm(request.POST or None, initial=request.session.get(ADDRESS_SESSION_KEY),
                                 providers=providers())
        if request.method == "POST" and form.is_valid():
            request.session[ADDRESS_SESSION_KEY] = form.cleaned_data
            return redirect("orders:review")
        return render_form(request, "orders/checkout.html", {"form": form, "cart": current, "guest": True})
    customer = request.customer
    initial = request.session.get(ADDRESS_SESSION_KEY) or {  # the saved address, when there is one
        "name": customer.full_name, "line1": customer.line1, "line2": customer.line2,
        "city": customer.city, "postal_code": customer.postal_code, "country": customer.country,
    }
    form = CheckoutForm(request.POST or None, initial=initial, providers=providers())
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if data.pop("save_address"):
            customer_services.customer_update(customer_id=customer.customer_id, line1=data["line1"], line2=data["line2"],
                                              city=data["city"], postal_code=data["postal_code"], country=data["country"])
            messages.success(request, "The address is saved to your profile.")
        request.session[ADDRESS_SESSION_KEY] = data
        return redirect("orders:review")
    return render_form(request, "orders/checkout.html", {"form": form, "cart": current})


@require_GET
def review(request):
    """Step 2: check everything; the form carries a fresh one-time token."""
    address = request.session.get(ADDRESS_SESSION_KEY)
    if not address or _shopper(request) is None:
        return redirect("orders:checkout")
    current = selectors.cart_get(cart_id=cart_id_for_request(request))
    if not current.lines:
        return redirect("orders:cart")
    form = PlaceOrderForm(initial={"token": str(uuid.uuid4()), "reviewed": current.fingerprint})
    payment = provider_get(address.get("payment", "manual"))
    response = render(request, "orders/review.html", {"cart": current, "address": address, "form": form,
                                                      "payment": payment, "max_lines": selectors.MAX_CART_LINES})
    response["Cache-Control"] = "no-store"  # Back after placing asks again (and finds the cart empty)
    return response


@require_POST
def place(request):
    """Step 3: place the order exactly once for this token."""
    form = PlaceOrderForm(request.POST)
    address = request.session.get(ADDRESS_SESSION_KEY)
    shopper = _shopper(request)
    if not form.is_valid():
        messages.error(request, "This checkout form is not valid; review your order again.")
        return redirect("orders:review")
    token_order_id = services.order_id_from_token(form.cleaned_data["token"])
    if shopper is None and not request.customer.is_authenticated:
        if token_order_id in request.session.get(GUEST_ORDERS_SESSION_KEY, []):  # a guest's second click
            order = selectors.order_find(order_id=token_order_id)
            messages.info(request, _("Order %(reference)s is already placed; nothing was ordered twice.") % {"reference": order.reference})
            return redirect("orders:done", order_id=token_order_id)
        return redirect("orders:checkout")
    if not address and selectors.order_find(order_id=token_order_id) is None:
        return redirect("orders:checkout")
    try:
        address = dict(address or {})
        payment = address.pop("payment", "manual")
        address.pop("email", None)
        order, created = services.order_place(
            customer=shopper, cart_id=cart_id_for_request(request), token=form.cleaned_data["token"],
            address=address, reviewed=form.cleaned_data["reviewed"],
            payment_provider=payment if payment in providers() else "manual",
            with_order=_session_with_order(request, order_id=services.order_id_from_token(form.cleaned_data["token"])),
        )
    except services.CartEmpty:
        messages.info(request, _("Your cart is empty."))
        return redirect("orders:cart")
    except services.CartTooLarge:
        messages.error(request, f"An order can hold at most {selectors.MAX_CART_LINES} different products. Remove some and order them separately.")
        return redirect("orders:cart")
    except services.OutOfStock as error:
        names = product_get_many(product_ids=[line_key_split(key)[0] for key in error.shortages])
        for key, left in error.shortages.items():
            product_id, variant_id = line_key_split(key)
            variant = variant_of(names[product_id], variant_id) if product_id in names else None
            name = names[product_id].name if product_id in names else "A product"
            if variant is not None and variant.values:
                name = f"{name} ({variant.short_label})"
            messages.error(request, f"{name}: {'sold out' if left <= 0 else f'only {left} left'}. Adjust your cart and try again.")
        return redirect("orders:cart")
    except services.PriceChanged as changed:
        messages.warning(request, f"Your cart or its prices changed since you reviewed it. Nothing was ordered: "
                                  f"the new total is {money(changed.total_cents)}. Check it and place the order again.")
        return redirect("orders:review")
    except services.CartChanged:
        messages.warning(request, "Your cart changed while placing the order. Check it and try again.")
        return redirect("orders:cart")
    if order.customer_id != shopper.customer_id:
        raise Http404("No such order.")
    if not request.customer.is_authenticated:
        _guest_orders_remember(request, order.order_id)
    if created:  # its confirmation email goes from the orders stream (orders.order_emails)
        request.session.pop(ADDRESS_SESSION_KEY, None)
        cart_count_refresh(request, Cart(cart_id=""))  # every line went into the order
    else:  # this review was submitted before (the Back button, a second click): that order, not an error
        messages.info(request, _("Order %(reference)s is already placed; nothing was ordered twice.") % {"reference": order.reference})
    return _payment_start(request, order)


def _session_with_order(request, *, order_id: str):
    """The session as it is once the order is placed (no address kept, an empty cart, a guest's order
    remembered), written in the order's own transaction instead of by a request of its own."""
    if request.session.session_key is None:
        return None
    changes = {ADDRESS_SESSION_KEY: None}
    if not request.customer.is_authenticated:
        changes[GUEST_ORDERS_SESSION_KEY] = _guest_orders_with(request, order_id)
    return lambda tx, label: request.session.save_in(tx, label=label, changes=changes)


def _payment_start(request, order):
    """Send the shopper to the provider's payment page, or to the confirmation page that says how to pay."""
    if order.status != "placed":
        return redirect("orders:done", order_id=order.order_id)
    done = site_url(reverse("orders:done", kwargs={"order_id": order.order_id}))
    try:
        url = provider_get(order.payment_provider).start(order=order, success_url=f"{done}?paid=1", cancel_url=done)
    except PaymentError:
        messages.error(request, "We could not reach the payment service. Your order is kept: try “Pay now” again in a moment.")
        url = None
    return redirect(url) if url else redirect("orders:done", order_id=order.order_id)


GUEST_ORDERS_SESSION_KEY = "guest_orders"


def _guest_orders_remember(request, order_id: str) -> None:
    """Let this browser see a guest order (it placed it, or opened the signed link to it)."""
    if order_id not in request.session.get(GUEST_ORDERS_SESSION_KEY, []):
        request.session[GUEST_ORDERS_SESSION_KEY] = _guest_orders_with(request, order_id)


def _guest_orders_with(request, order_id: str) -> list[str]:
    """The guest orders this browser may see, *order_id* among them (the newest 20)."""
    known = request.session.get(GUEST_ORDERS_SESSION_KEY, [])
    return known if order_id in known else [*known, order_id][-20:]


class _SignInFirst(Exception):
    pass


def _own_order_or_404(request, order_id):
    """The order, if it is this shopper's (or a guest order this browser may see); 404 otherwise."""
    if request.customer.is_authenticated:
        order = selectors.order_find_for_customer(order_id=order_id, customer_id=request.customer.customer_id)
    elif order_id in request.session.get(GUEST_ORDERS_SESSION_KEY, []):
        order = selectors.order_find(order_id=order_id)
        order = order if order is not None and order.customer_id.startswith("guest#") else None
    else:
        raise _SignInFirst()
    if order is None:
        raise Http404("No such order.")
    return order


def _guest_aware(view):
    """Anonymous visitors without access to the order are asked to sign in (it may be theirs)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _SignInFirst:
            return login_redirect(request, "accounts:login")

    return wrapper


@_guest_aware
@require_POST
def pay(request, order_id):
    """Pay an order that still waits for its payment (the shopper left the payment page, or came back later)."""
    return _payment_start(request, _own_order_or_404(request, order_id))


_GUEST_LINK_SENT = ("If an order with that number was placed with that email, a fresh link to it is on its way. "
                    "Check your inbox.")


@require_http_methods(["GET", "POST"])
def guest_link_request(request):
    """A guest whose link expired (or got lost) asks for a fresh one; the answer never says whether the order
    exists: the decision and the email happen in the outbox job (shopsite.emails.email_request)."""
    form = GuestLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.client_request_check(purpose="guest-link", client=client_address(request))
        except account_services.LoginLocked as locked:
            form.add_error(None, str(locked).replace("failed attempts", "requests from here"))
        else:
            email_request(kind="guest_link", to=form.cleaned_data["email"], data=form.cleaned_data["reference"])
            messages.info(request, _GUEST_LINK_SENT)
            return redirect("orders:guest_link_request")
    return render_form(request, "orders/guest_link_request.html", {"form": form})


@require_GET
def guest_link(request, token):
    """The signed link in a guest's emails: this browser may now see that order (for GUEST_LINK_SECONDS)."""
    try:
        order_id = notifications.guest_link_order_id(token)
    except notifications.GuestLinkExpired:
        return render(request, "orders/guest_link_request.html", {"form": GuestLinkForm(), "expired": True},
                      status=410)
    order = selectors.order_find(order_id=order_id) if order_id else None
    if order is None or not order.customer_id.startswith("guest#"):
        raise Http404("This link is not valid.")
    _guest_orders_remember(request, order.order_id)
    return redirect("orders:detail", order_id=order.order_id)


@customer_required
@require_GET
def claim(request, token):
    """Add the guest orders placed with this shopper's email to their account (the link proves the email)."""
    if not notifications.claim_link_valid(token, customer=request.customer):
        messages.error(request, "This link is not valid for your account any more.")
        return redirect("orders:history")
    moved = services.guest_orders_claim(customer=request.customer)
    messages.success(request, f"{moved} earlier order{'' if moved == 1 else 's'} added to your account.")
    return redirect("orders:history")


@_guest_aware
@require_GET
def done(request, order_id):
    order = _own_order_or_404(request, order_id)
    return render(request, "orders/done.html", {"order": order, "payment": provider_get(order.payment_provider),
                                                "returned_paid": request.GET.get("paid") == "1",
                                                "instructions": settings.MANUAL_PAYMENT_INSTRUCTIONS})


def _shopper_orders_mark(request):
    """Changes to this shopper's orders: one GetItem (None for guests: their page always renders)."""
    if not request.customer.is_authenticated:
        return None
    return selectors.orders_changed_marks(customer_id=request.customer.customer_id)


@customer_required
@require_GET
@refreshable(_shopper_orders_mark)
def history(request):
    page = page_or_first(request, selectors.order_list_for_customer, customer_id=request.customer.customer_id)
    return render(request, "orders/history.html", {"page": page})


@_guest_aware
@require_GET
@refreshable(_shopper_orders_mark)
def order_detail(request, order_id):
    return render(request, "orders/detail.html", {"order": _own_order_or_404(request, order_id),
                                                  "instructions": settings.MANUAL_PAYMENT_INSTRUCTIONS})


@_guest_aware
@require_http_methods(["GET", "POST"])
def order_cancel(request, order_id):
    """Ask first (GET), then cancel (POST) an order that still waits for its payment."""
    order = _own_order_or_404(request, order_id)
    if request.method == "GET":
        if order.status != "placed":
            messages.error(request, "This order can no longer be cancelled.")
            return redirect("orders:detail", order_id=order.order_id)
        return render(request, "orders/cancel.html", {"order": order})
    try:
        order = services.order_transition(
            order_id=order.order_id, status="cancelled", actor=order.email, customer_id=order.customer_id,
        )
    except (services.OrderNotFound, services.TransitionRefused, services.StaleOrder):
        messages.error(request, "This order can no longer be cancelled.")
    else:
        messages.success(request, _("Your order is cancelled."))
    return redirect("orders:detail", order_id=order.order_id)
