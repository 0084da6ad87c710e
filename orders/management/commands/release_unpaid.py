from django.core.management.base import BaseCommand

from orders.services import order_release_unpaid


class Command(BaseCommand):
    help = ("Cancel orders whose payment time ran out and put their stock back on sale "
            "(a Zappa schedule runs this every 15 minutes in production).")

    def handle(self, *args, **options):
        released = order_release_unpaid()  # their shoppers are emailed from the orders stream
        self.stdout.write(f"Released {len(released)} unpaid order{'' if len(released) == 1 else 's'}.")
