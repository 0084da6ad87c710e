from django.urls import path

from catalog import staff_views, views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("products/", views.product_list, name="product_list"),
    path("products/<slug:slug>/", views.product_detail, name="product_detail"),
    path("categories/<slug:slug>/", views.category_detail, name="category"),
    path("search/", views.search, name="search"),
    path("staff/categories/", staff_views.staff_category_list, name="staff_category_list"),
    path("staff/categories/new/", staff_views.staff_category_create, name="staff_category_create"),
    path("staff/categories/<str:category_id>/edit/", staff_views.staff_category_edit, name="staff_category_edit"),
    path("staff/categories/<str:category_id>/delete/", staff_views.staff_category_delete, name="staff_category_delete"),
    path("staff/products/", staff_views.staff_product_list, name="staff_product_list"),
    path("staff/products/export.csv", staff_views.staff_product_export, name="staff_product_export"),
    path("staff/products/bulk/", staff_views.staff_product_bulk, name="staff_product_bulk"),
    path("staff/products/import/", staff_views.staff_product_import, name="staff_product_import"),
    path("staff/products/new/", staff_views.staff_product_create, name="staff_product_create"),
    path("staff/products/<str:product_id>/", staff_views.staff_product_detail, name="staff_product_detail"),
    path("staff/products/<str:product_id>/edit/", staff_views.staff_product_edit, name="staff_product_edit"),
    path("staff/products/<str:product_id>/stock/", staff_views.staff_product_stock, name="staff_product_stock"),
    path("staff/products/<str:product_id>/spread/", staff_views.staff_product_spread, name="staff_product_spread"),
    path("staff/products/<str:product_id>/toggle/", staff_views.staff_product_toggle, name="staff_product_toggle"),
    path("staff/products/<str:product_id>/delete/", staff_views.staff_product_delete, name="staff_product_delete"),
]
