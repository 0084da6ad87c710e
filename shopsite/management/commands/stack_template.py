from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from shopsite.stack import stack_template_json


class Command(BaseCommand):
    help = "Write deploy/stack-<stage>.json, the CloudFormation stack for what Zappa does not create."

    def add_arguments(self, parser):
        parser.add_argument("--stage", action="append", help="dev, production (default: both)")

    def handle(self, *args, stage, **options):
        for name in stage or ["dev", "production"]:
            path = Path(settings.BASE_DIR) / "deploy" / f"stack-{name}.json"
            path.write_text(stack_template_json(stage=name))
            self.stdout.write(f"Wrote {path.relative_to(settings.BASE_DIR)}")
