from django.urls import path

from graphapi import views

app_name = "graphapi"

urlpatterns = [path("graphql", views.graphql, name="graphql")]
