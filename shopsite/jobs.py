"""Scheduled jobs, run by Zappa's ``events`` (CloudWatch schedules) in production.

Each takes Zappa's (event, context) and calls the same code as its
management command, so ``manage.py`` runs them locally.
"""
import django


def _setup() -> None:
    django.setup(set_prefix=False)


def send_outbox(event=None, context=None) -> dict:
    _setup()
    from shopsite.emails import outbox_send  # after _setup(): the models need the app registry

    sent, waiting = outbox_send()
    return {"sent": sent, "waiting": waiting}
