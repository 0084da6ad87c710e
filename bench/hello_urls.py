"""The hello-world baseline's only view: nothing of Shopsite is imported."""
from django.http import HttpResponse
from django.urls import path


def hello(request):
    return HttpResponse("hello")


urlpatterns = [path("", hello)]
