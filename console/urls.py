"""Every page under /staff/, in one place (shopsite/urls.py mounts this at ``staff/``)."""
from django.urls import path

from console import catalog, customers, dashboard, orders, people, sign_in, webhooks

app_name = "console"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("exports/<path:name>", dashboard.export_file, name="export_file"),
    path("login/", sign_in.login, name="login"),
    path("logout/", sign_in.logout, name="logout"),
    path("set-password/<str:uid>/<str:token>/", sign_in.set_password, name="set_password"),

    path("customers/", customers.customer_list, name="customer_list"),
    path("customers/new/", customers.customer_create, name="customer_create"),
    path("customers/bulk/", customers.customer_bulk, name="customer_bulk"),
    path("customers/export.csv", customers.customer_export, name="customer_export"),
    path("customers/<str:customer_id>/", customers.customer_detail, name="customer_detail"),
    path("customers/<str:customer_id>/edit/", customers.customer_edit, name="customer_edit"),
    path("customers/<str:customer_id>/delete/", customers.customer_delete, name="customer_delete"),

    path("categories/", catalog.category_list, name="category_list"),
    path("categories/new/", catalog.category_create, name="category_create"),
    path("categories/<str:category_id>/edit/", catalog.category_edit, name="category_edit"),
    path("categories/<str:category_id>/delete/", catalog.category_delete, name="category_delete"),
    path("products/", catalog.product_list, name="product_list"),
    path("products/export.csv", catalog.product_export, name="product_export"),
    path("products/bulk/", catalog.product_bulk, name="product_bulk"),
    path("products/import/", catalog.product_import, name="product_import"),
    path("products/new/", catalog.product_create, name="product_create"),
    path("products/<str:product_id>/", catalog.product_detail, name="product_detail"),
    path("products/<str:product_id>/edit/", catalog.product_edit, name="product_edit"),
    path("products/<str:product_id>/stock/", catalog.product_stock, name="product_stock"),
    path("products/<str:product_id>/spread/", catalog.product_spread, name="product_spread"),
    path("products/<str:product_id>/options/", catalog.product_options, name="product_options"),
    path("products/<str:product_id>/specifications/", catalog.product_specifications, name="product_specifications"),
    path("product-types/", catalog.product_type_list, name="product_type_list"),
    path("product-types/new/", catalog.product_type_edit, name="product_type_create"),
    path("product-types/<str:type_id>/", catalog.product_type_edit, name="product_type_edit"),
    path("products/<str:product_id>/gallery/", catalog.product_gallery_add, name="product_gallery_add"),
    path("products/<str:product_id>/gallery/change/", catalog.product_gallery_change, name="product_gallery_change"),
    path("products/<str:product_id>/variants/", catalog.product_variants, name="product_variants"),
    path("products/<str:product_id>/toggle/", catalog.product_toggle, name="product_toggle"),
    path("products/<str:product_id>/delete/", catalog.product_delete, name="product_delete"),

    path("orders/", orders.order_list, name="order_list"),
    path("orders/export.csv", orders.order_export, name="order_export"),
    path("orders/bulk/", orders.order_bulk, name="order_bulk"),
    path("orders/<str:order_id>/", orders.order_detail, name="order_detail"),
    path("orders/<str:order_id>/status/", orders.order_transition, name="order_transition"),
    path("orders/<str:order_id>/notes/", orders.order_note, name="order_note"),
    path("orders/<str:order_id>/address/", orders.order_address, name="order_address"),
    path("orders/<str:order_id>/packing-slip/", orders.order_packing_slip, name="order_packing_slip"),

    path("people/", people.people, name="people"),
    path("people/<str:email>/change/", people.person_change, name="person_change"),
    path("api-keys/", people.api_keys, name="api_keys"),
    path("api-keys/<str:key_hash>/revoke/", people.api_key_revoke, name="api_key_revoke"),
    path("webhooks/", webhooks.webhook_list, name="webhook_list"),
    path("webhooks/<str:endpoint_id>/", webhooks.webhook_detail, name="webhook_detail"),
    path("webhooks/<str:endpoint_id>/toggle/", webhooks.webhook_toggle, name="webhook_toggle"),
    path("webhooks/<str:endpoint_id>/delete/", webhooks.webhook_delete, name="webhook_delete"),
    path("webhooks/<str:endpoint_id>/resend/", webhooks.webhook_resend, name="webhook_resend"),
]
