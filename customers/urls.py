from django.urls import path

from customers import api, api_docs, staff_views, views
from customers.accounts import staff_views as account_staff_views
from customers.accounts import views as account_views

app_name = "customers"

urlpatterns = [
    path("account/signup/", views.signup, name="signup"),
    path("account/signup/confirm/<str:token>/", views.signup_confirm, name="signup_confirm"),
    path("account/login/", account_views.login, name="login"),
    path("account/logout/", account_views.logout, name="logout"),
    path("account/", views.account, name="account"),
    path("account/password/", views.password_change, name="password"),
    path("account/email/", views.email_change, name="email_change"),
    path("account/email/confirm/<str:token>/", views.email_confirm, name="email_confirm"),
    path("account/password/forgot/", account_views.password_reset, name="password_reset"),
    path("account/password/set/<str:uid>/<str:token>/", account_views.password_reset_confirm, name="password_reset_confirm"),
    path("staff/login/", account_views.staff_login, name="staff_login"),
    path("staff/logout/", account_views.staff_logout, name="staff_logout"),
    path("staff/set-password/<str:uid>/<str:token>/", account_views.staff_set_password, name="staff_set_password"),
    path("staff/customers/", staff_views.staff_customer_list, name="staff_list"),
    path("staff/customers/new/", staff_views.staff_customer_create, name="staff_create"),
    path("staff/customers/bulk/", staff_views.staff_customer_bulk, name="staff_bulk"),
    path("staff/customers/export.csv", staff_views.staff_customer_export, name="staff_export"),
    path("staff/customers/<str:customer_id>/", staff_views.staff_customer_detail, name="staff_detail"),
    path("staff/customers/<str:customer_id>/edit/", staff_views.staff_customer_edit, name="staff_edit"),
    path("staff/customers/<str:customer_id>/delete/", staff_views.staff_customer_delete, name="staff_delete"),
    path("staff/api-keys/", account_staff_views.staff_api_keys, name="staff_api_keys"),
    path("staff/people/", account_staff_views.staff_people, name="staff_people"),
    path("staff/people/<str:email>/change/", account_staff_views.staff_person_change, name="staff_person_change"),
    path("staff/api-keys/<str:key_hash>/revoke/", account_staff_views.staff_api_key_revoke, name="staff_api_key_revoke"),
    path("api/openapi.json", api_docs.openapi_json, name="api_openapi"),
    path("api/docs/", api_docs.api_docs, name="api_docs"),
    path("api/customers", api.customer_collection, name="api_list"),
    path("api/customers/<str:customer_id>", api.customer_detail, name="api_detail"),
]
