"""Signals that let later apps act on customer events without being imported here."""
from django.dispatch import Signal

# Sent after a shopper signs in or signs up: request, customer_id, anonymous_cart_id.
customer_logged_in = Signal()
