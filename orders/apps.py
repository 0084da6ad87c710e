from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        from orders import buyers, handlers, integrity, order_emails, tallies  # noqa: F401  (signals, checks, stream consumers)
