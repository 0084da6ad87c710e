from django.core.management.base import BaseCommand

from shopsite.emails import outbox_send


class Command(BaseCommand):
    help = "Send again the emails whose first try failed (a schedule runs this in production)."

    def handle(self, *args, **options):
        sent, waiting = outbox_send()
        self.stdout.write(f"Sent {sent}; {waiting} still waiting.")
