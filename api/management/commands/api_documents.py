from django.core.management.base import BaseCommand, CommandError

from api.documents import documents


class Command(BaseCommand):
    help = "Write docs/api/openapi.json and docs/api/schema.graphql from the code (--check: only say if stale)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail when a checked-in document is stale.")

    def handle(self, *args, check, **options):
        stale = []
        for path, text in documents().items():
            if path.exists() and path.read_text() == text:
                continue
            if check:
                stale.append(path.name)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                self.stdout.write(f"Wrote {path}")
        if stale:
            raise CommandError(f"Stale: {', '.join(stale)}; run `manage.py api_documents`.")
