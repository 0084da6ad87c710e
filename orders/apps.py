from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        from orders import handlers, integrity, tallies  # noqa: F401  (signal handlers, checks, stream consumers)
