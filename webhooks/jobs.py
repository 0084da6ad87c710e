"""Webhooks' scheduled job, run by Zappa's ``events`` every minute in production (see zappa_settings.json)."""
import django


def retry_due(event=None, context=None) -> dict:
    """Attempt again every delivery whose next attempt is due."""
    django.setup(set_prefix=False)

    from webhooks.services import deliveries_retry_due  # after django.setup(): the models need the app registry

    succeeded, failed = deliveries_retry_due()
    return {"succeeded": succeeded, "failed": failed}
