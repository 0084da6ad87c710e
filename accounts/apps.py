from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """What lets people and programs in: staff accounts, sign-in and its throttle, sessions, API keys."""

    name = "accounts"

    def ready(self) -> None:
        from accounts import integrity  # noqa: F401  (registers the owners-tally check)
