from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self) -> None:
        from catalog import integrity  # noqa: F401  (registers the catalog's integrity checks)
