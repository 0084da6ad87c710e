"""Every ``extensions.code`` the GraphQL API answers with, and what it means; schema.graphql lists them."""

ERROR_CODES = {
    # Transport: the request never reached the schema (HTTP status in brackets).
    "BAD_REQUEST": "The body is not a GraphQL request: malformed JSON, no query, a wrong type (400).",
    "TOO_LARGE": "The body is over 32 KB (413).",
    "UNSUPPORTED_MEDIA_TYPE": "Send application/json (415).",
    "METHOD_NOT_ALLOWED": "Send operations with POST (405).",
    "CSRF_FAILED": "A browser session's mutation without its CSRF token (403).",
    "RATE_LIMITED": "The key's or the shopper token's requests for this minute are spent; see Retry-After (429).",
    "UNAVAILABLE": "The database is unreachable for a moment; see Retry-After (503).",
    "GRAPHQL_VALIDATION_FAILED": "The document does not fit the schema, or is too deep, long or aliased.",
    "INTERNAL_SERVER_ERROR": "Something failed on our side; the text is hidden and logged.",
    # Execution: data is null (or the field is) and errors[] says why.
    "UNAUTHENTICATED": "No key, an unknown or revoked one, or a shopper field without a signed-in shopper.",
    "FORBIDDEN": "The key lacks the scope this field needs (catalog, customers, orders).",
    "BAD_USER_INPUT": "An argument is out of range or malformed (an id, a cursor, a quantity, a sort).",
    "NOT_FOUND": "No such customer, category, product or order (or not yours).",
    "CONFLICT": "The record changed since the version you sent; read it again.",
    "EMAIL_TAKEN": "Another customer already uses this email.",
    "REFUSED": "The order cannot make that change in its status (e.g. ship a cancelled order).",
    "PAYMENT_FAILED": "The payment service refused or could not be reached; nothing was changed.",
    "OUT_OF_STOCK": "Not enough stock for a line of the cart.",
    "PRICE_CHANGED": "The cart's total changed since it was reviewed; the new total is in the message.",
    "CART_CHANGED": "The cart changed while the order was being placed; review it again.",
    "CART_EMPTY": "The cart is empty.",
    "CART_TOO_LARGE": "Too many different products for one order.",
}
