"""The shopper's account pages, under /account/ (orders' own pages add /account/orders/)."""
from django.urls import path

from accounts import profile, views

app_name = "accounts"

urlpatterns = [
    path("account/signup/", profile.signup, name="signup"),
    path("account/signup/confirm/<str:token>/", profile.signup_confirm, name="signup_confirm"),
    path("account/login/", views.login, name="login"),
    path("account/logout/", views.logout, name="logout"),
    path("account/", profile.account, name="account"),
    path("account/password/", profile.password_change, name="password"),
    path("account/email/", profile.email_change, name="email_change"),
    path("account/email/confirm/<str:token>/", profile.email_confirm, name="email_confirm"),
    path("account/password/forgot/", views.password_reset, name="password_reset"),
    path("account/password/set/<str:uid>/<str:token>/", views.password_reset_confirm, name="password_reset_confirm"),
]
