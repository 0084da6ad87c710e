from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        from orders import handlers, integrity  # noqa: F401  (connects signal handlers, registers checks)
