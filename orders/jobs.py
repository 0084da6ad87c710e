"""Orders' scheduled job, run by Zappa's ``events`` in production (see shopsite.jobs)."""
import django


def release_unpaid(event=None, context=None) -> dict:
    """Cancel unpaid orders whose time ran out; the same as ``manage.py release_unpaid``."""
    django.setup(set_prefix=False)

    from orders.services import order_release_unpaid  # after django.setup(): the models need the app registry

    released = order_release_unpaid()  # their shoppers are emailed from the orders stream (orders.order_emails)
    return {"released": len(released)}
