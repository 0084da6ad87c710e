"""/staff/: the day at a glance, and the large CSV exports saved for download."""
from django.shortcuts import render

from catalog.selectors import LOW_STOCK, product_count, product_low_stock, product_sold_out
from console.exports import export_file_response
from customers.selectors import customer_count, customer_list
from orders import selectors
from shopsite.decorators import staff_required


@staff_required
def dashboard(request):
    """The day at a glance: orders and revenue, what waits for staff, low stock, newest customers.

    Five reads whatever the shop's size: the order tallies (one BatchGet), the
    customer and product totals, one Query each for newest customers and low stock.
    """
    return render(request, "staff/dashboard.html", {
        "figures": selectors.order_figures(), "customer_count": customer_count(), "product_count": product_count(),
        "newest_customers": customer_list(limit=5).items, "low_stock": product_low_stock(limit=8),
        "sold_out": product_sold_out(limit=8),
        "low_stock_level": LOW_STOCK,
    })


@staff_required
def export_file(request, name):
    """A large export saved by console.exports: staff only, by its unguessable name."""
    return export_file_response(name=name)
