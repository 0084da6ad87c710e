import os

from django.core.management.base import BaseCommand, CommandError

from accounts import services


class Command(BaseCommand):
    help = "Create an API key and print it once (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Who the key is for, e.g. 'crm-sync'.")
        parser.add_argument("--scope", action="append", choices=sorted(services.API_SCOPES),
                            help="What the key may do; repeat for several (default: customers). "
                                 + "; ".join(f"{name}: {what}" for name, what in services.API_SCOPES.items()))

    def handle(self, *args, name, scope, **options):
        if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
            # Under `zappa manage` whatever a command prints goes to CloudWatch Logs (kept 90 days in production).
            # Said, not raised: `zappa manage` would turn an exception into a failed invocation with a trace.
            self.stderr.write("No key created: under Lambda the key would stay in CloudWatch Logs. Create it in the "
                              "staff console (/staff/api-keys/), or run createapikey on an operator's machine with "
                              "the stage's settings.")
            return
        try:
            api_key, key = services.api_key_create(name=name, scopes=set(scope or ["customers"]))
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"API key for {api_key.name} (shown only now; store it safely):")
        self.stdout.write(key)
