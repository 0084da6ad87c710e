from django.core.management.base import BaseCommand

from customers.accounts import services


class Command(BaseCommand):
    help = "Create an API key for the customers API and print it once (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Who the key is for, e.g. 'crm-sync'.")

    def handle(self, *args, name, **options):
        api_key, key = services.api_key_create(name=name)
        self.stdout.write(f"API key for {api_key.name} (shown only now; store it safely):")
        self.stdout.write(key)
