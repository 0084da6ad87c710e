from django.core.management.base import BaseCommand

from shopsite.storage import static_manifest_build


class Command(BaseCommand):
    help = "Write shopsite/static_manifest/staticfiles.json (hashed static names) for the Lambda package."

    def handle(self, *args, **options):
        path = static_manifest_build(stdout=self.stdout)
        self.stdout.write(f"Wrote {path}")
