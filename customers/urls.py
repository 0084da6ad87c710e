from django.urls import path

from customers import api, api_docs, views
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
    path("api/openapi.json", api_docs.openapi_json, name="api_openapi"),
    path("api/docs/", api_docs.api_docs, name="api_docs"),
    path("api/customers", api.customer_collection, name="api_list"),
    path("api/customers/<str:customer_id>", api.customer_detail, name="api_detail"),
]
