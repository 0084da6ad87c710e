from django.core.management.base import BaseCommand, CommandError

from shopsite import tables


class Command(BaseCommand):
    help = "Create every missing DynamoDB table (idempotent); print one line per table."

    def handle(self, *args, **options):
        try:
            for line in tables.tables_converge():
                self.stdout.write(line)
        except tables.IndexStuck as stuck:
            raise CommandError(str(stuck)) from stuck
