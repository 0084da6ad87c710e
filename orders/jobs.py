"""Orders' scheduled job, run by Zappa's ``events`` in production (see shopsite.jobs)."""
import django


def release_unpaid(event=None, context=None) -> dict:
    """Cancel unpaid orders whose time ran out; the same as ``manage.py release_unpaid``."""
    django.setup(set_prefix=False)

    from orders.notifications import order_notify
    from orders.services import order_release_unpaid

    released = order_release_unpaid()
    for order in released:
        order_notify(order=order)
    return {"released": len(released)}
