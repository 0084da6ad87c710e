from django.apps import AppConfig


class ShopsiteConfig(AppConfig):
    name = "shopsite"

    def ready(self) -> None:
        from shopsite import dynamodb

        dynamodb.configure()
