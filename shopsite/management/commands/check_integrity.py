from django.core.management.base import BaseCommand

from shopsite import integrity


class Command(BaseCommand):
    help = (
        "Scan guards against records, category counts against products and search terms against products; "
        "with --fix, repair what is wrong. Exits 1 when something was wrong and not fixed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true")

    def handle(self, *args, fix, **options):
        found = 0
        for finding in integrity.findings():
            found += 1
            if fix:
                finding.repair()
            self.stdout.write(f"{finding.check}: {finding.problem}{' (fixed)' if fix else ''}")
        if not found:
            self.stdout.write("No problems found.")
        elif not fix:
            self.stderr.write(f"{found} problem(s); run again with --fix to repair them.")
            raise SystemExit(1)
