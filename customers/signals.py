"""Signals that let later apps act on customer events without being imported here."""
from django.dispatch import Signal

# Sent after a shopper signs in or signs up (the session already rotated): request, customer_id.
customer_logged_in = Signal()
# Sent after a new shopper account is created through the sign-up page: request, customer.
customer_signed_up = Signal()
