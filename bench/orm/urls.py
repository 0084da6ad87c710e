from django.urls import include, path

from bench.orm import views

urlpatterns = [
    path("bench/orm/<str:alias>/products/", views.listing),
    path("", include("bench.bare")),
]
