"""Orders' writes, one module per concern: the cart, checkout, an order's status (transitions, refunds,
notes, address, the unpaid release) and payment events. Callers import from here."""
from orders.payments import PaymentError, provider_get  # noqa: F401  (views catch services.PaymentError)
from orders.selectors import OrderNotFound  # noqa: F401  (raised by the status services)
from orders.services.cart import (  # noqa: F401
    MAX_LINE_QUANTITY,
    ProductUnavailable,
    VariantNeeded,
    CartTooLarge,
    LineNotInCart,
    cart_id_for_customer,
    cart_id_for_visitor,
    cart_add,
    cart_set_quantity,
    cart_merge,
)
from orders.services.checkout import (  # noqa: F401
    CartEmpty,
    CartChanged,
    PriceChanged,
    OutOfStock,
    GuestShopper,
    guest_orders_claim,
    order_id_from_token,
    order_place,
    ORDER_NUMBERS,
    WITH_ORDER,
)
from orders.services.payment_events import (  # noqa: F401
    EVENT_FROM,
    payment_event_apply,
)
from orders.services.status import (  # noqa: F401
    TRANSITIONS,
    RESTOCKING,
    SYSTEM_ACTOR,
    TransitionRefused,
    StaleOrder,
    DuplicateEvent,
    order_transition,
    order_status_set,
    order_refund,
    order_release_unpaid,
    MAX_NOTE,
    MAX_NOTES,
    NOTE_ATTEMPTS,
    order_note_add,
    ADDRESS_EDITABLE,
    order_address_update,
)
