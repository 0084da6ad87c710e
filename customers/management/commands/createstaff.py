import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from customers import services


class Command(BaseCommand):
    help = "Create a staff account. Without --email/--password it asks for them."

    def add_arguments(self, parser):
        parser.add_argument("--email")
        parser.add_argument("--password")
        parser.add_argument("--name", default="")
        parser.add_argument("--update", action="store_true", help="Set a new password if the account exists.")

    def handle(self, *args, email, password, name, update, **options):
        if not email:
            email = input("Email: ").strip()
        if not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        try:
            validate_email(email)
            validate_password(password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        try:
            staff = services.staff_create(email=email, password=password, name=name)
        except services.StaffExists as error:
            if not update:
                raise CommandError(f"A staff account for {email} already exists (use --update to reset its password).") from error
            staff = services.staff_set_password(email=email, password=password)
            self.stdout.write(f"Password updated for staff account {staff.email}.")
            return
        self.stdout.write(f"Created staff account {staff.email}.")
