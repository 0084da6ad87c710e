from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API (customers) and its OpenAPI document, behind the front door it shares with GraphQL."""

    name = "api"
