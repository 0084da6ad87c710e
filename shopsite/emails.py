"""Email through Django's email API: SES in production, a file or the console locally, memory in tests.

Each email is a template pair ``emails/<name>.txt`` and ``emails/<name>.html``
extending one base. Sending never breaks the action that caused it: a failed
send is logged and the rendered message goes to the outbox, which
``manage.py send_outbox`` (a Zappa schedule in production) retries.

Some emails must not be decided inside the request at all: whether "forgot
password" sends a link depends on whether the email is registered, and a
response that took longer when it is would tell. Such a request is one
write to the ``requests`` queue (email_request), the same whatever the
address; the outbox job hands it to the handler settings.EMAIL_REQUEST_HANDLERS
names for its kind (imported then: the cold start pays nothing for it),
which looks the address up and sends or not.
"""
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.module_loading import import_string

from shopsite.models import OutboxMessage

log = logging.getLogger("shopsite.emails")
OUTBOX_QUEUE = "pending"
REQUESTS_QUEUE = "requests"
OUTBOX_MAX_ATTEMPTS = 10


def email_request(*, kind: str, to: str, data: str = "") -> None:
    """Queue a request for an email of *kind* to *to* (with *data* for its handler, e.g. an order number):
    one write, whoever *to* is (see the module's docstring)."""
    OutboxMessage(REQUESTS_QUEUE, str(uuid.uuid4()), to=to[:254], subject=kind, text=data[:200], html="",
                  expires_at=timezone.now() + timedelta(days=1)).save()


def requests_handle(*, limit: int = 100) -> int:
    """Hand every queued email request to its kind's handler; return how many were handled."""
    handled = 0
    for request in OutboxMessage.query(REQUESTS_QUEUE, limit=limit):
        path = settings.EMAIL_REQUEST_HANDLERS.get(request.subject)
        try:
            if path is not None:
                import_string(path)(to=request.to, data=request.text)
        except Exception as error:  # noqa: BLE001 - one request must not stop the others; it stays for the next run
            log.warning("email request %s not handled: %s", request.subject, type(error).__name__)
            continue
        request.delete()
        handled += 1
    return handled


def _send(*, to: str, subject: str, text: str, html: str) -> None:
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def email_render(*, to: str, template: str, subject: str, context: dict, message_id: str | None = None) -> OutboxMessage:
    """Render one email into an outbox message (not saved): what email_send sends, or a stream consumer saves
    in the transaction that marks its record before sending it (outbox_message_send)."""
    context = {"SHOP_NAME": settings.SHOP_NAME, "subject": subject, **context}
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    return OutboxMessage(OUTBOX_QUEUE, message_id or str(uuid.uuid4()), to=to, subject=f"{settings.SHOP_NAME}: {subject}",
                         text=text, html=html, expires_at=timezone.now() + timedelta(days=7))


def outbox_message_send(message: OutboxMessage) -> bool:
    """Send a saved outbox message now and drop it; on failure it stays for the outbox job. True if it went."""
    try:
        _send(to=message.to, subject=message.subject, text=message.text, html=message.html)
    except Exception as error:  # noqa: BLE001 - the outbox job tries again
        log.warning("email not sent, left in the outbox: %s", type(error).__name__)
        return False
    message.delete()
    return True


def email_send(*, to: str, template: str, subject: str, context: dict) -> bool:
    """Render and send one email; return True if it went, False if it waits in the outbox."""
    message = email_render(to=to, template=template, subject=subject, context=context)
    text, html, subject = message.text, message.html, message.subject
    try:
        _send(to=to, subject=subject, text=text, html=html)
        return True
    except Exception as error:  # noqa: BLE001 - any failure of the mail service must not reach the shopper
        log.warning("email %s not sent, queued for retry: %s", template, type(error).__name__)
    try:
        message.save()
    except Exception as error:  # noqa: BLE001 - nothing more can be done; the log says so
        log.error("email %s lost: not sent and not queued: %s", template, type(error).__name__)
    return False


def outbox_send(*, limit: int = 100) -> tuple[int, int]:
    """Handle the queued email requests, then try every waiting email again; return (sent, still waiting).
    One Query per queue, then one write per message."""
    sent = requests_handle(limit=limit)
    waiting = 0
    for message in OutboxMessage.query(OUTBOX_QUEUE, limit=limit):
        try:
            _send(to=message.to, subject=message.subject, text=message.text, html=message.html)
        except Exception as error:  # noqa: BLE001
            log.warning("outbox email still not sent (attempt %s): %s", message.attempts + 1, type(error).__name__)
            if message.attempts + 1 >= OUTBOX_MAX_ATTEMPTS:
                log.error("outbox email dropped after %s attempts", message.attempts + 1)
                message.delete()
            else:
                message.update(actions=[OutboxMessage.attempts.add(1)])
                waiting += 1
            continue
        message.delete()
        sent += 1
    return sent, waiting
