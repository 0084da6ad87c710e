from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.urls import reverse

from accounts import services
from accounts.tokens import staff_password_tokens, uid_encode


class Command(BaseCommand):
    help = (
        "Create a staff account (or find an existing one) and print a one-time link "
        "to set its password. No password is ever typed on a command line."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="")
        parser.add_argument(
            "--role", choices=["owner", "staff"], default="owner",
            help="owner (default: people who run the shop; they invite the rest in the console) or staff. "
                 "Given for an existing account, changes its role.",
        )
        parser.add_argument(
            "--base-url", default="",
            help="The site's address, e.g. https://abc123.execute-api.us-east-1.amazonaws.com/dev "
                 "(default: SHOP_BASE_URL, else the link is printed as a path).",
        )

    def handle(self, *args, email, name, base_url, role, **options):
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        staff, created = services.staff_invite(email=email, name=name, role=role, actor="command line")
        if not created and staff.role != role:
            try:
                staff = services.staff_change(email=staff.email, role=role, actor="command line")
            except services.LastOwner as error:
                raise CommandError("This is the last active owner; make another owner first.") from error
            self.stdout.write(f"Role changed to {role}.")
        path = reverse(
            "console:set_password", kwargs={"uid": uid_encode(staff.email), "token": staff_password_tokens.make_token(staff)}
        )
        base = (base_url or settings.SHOP_BASE_URL).rstrip("/")
        hours = settings.STAFF_PASSWORD_LINK_SECONDS // 3600
        self.stdout.write(f"{'Created' if created else 'Found'} staff account {staff.email}.")
        self.stdout.write(f"Set its password within {hours} hours, once, at:\n{base}{path}")
