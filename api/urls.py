"""The REST API and its documents, under /api/ (GraphQL is graphapi's, at /graphql)."""
from django.urls import path

from api import customers, docs

app_name = "api"

urlpatterns = [
    path("api/openapi.json", docs.openapi_json, name="openapi"),
    path("api/docs/", docs.api_docs, name="docs"),
    path("api/customers", customers.customer_collection, name="customer_list"),
    path("api/customers/<str:customer_id>", customers.customer_detail, name="customer_detail"),
]
