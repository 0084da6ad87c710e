from django.core.management.base import BaseCommand

from shopsite import tables


class Command(BaseCommand):
    help = "Create every missing DynamoDB table (idempotent); print one line per table."

    def handle(self, *args, **options):
        for line in tables.tables_converge():
            self.stdout.write(line)
