from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self) -> None:
        from catalog import integrity, stock  # noqa: F401  (integrity checks, the spread-stock stream consumer)
