from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self) -> None:
        from webhooks import consumer  # noqa: F401  (the orders stream's webhook consumer)
