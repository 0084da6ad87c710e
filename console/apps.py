from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The staff console: every page under /staff/, over the domain apps (as django-oscar keeps its dashboard)."""

    name = "console"
    label = "console"
