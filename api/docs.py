"""The customers API's description: the OpenAPI document (JSON) and its page for humans (Redoc)."""
from functools import cache

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from api.openapi import openapi_document


@cache
def _document() -> dict:
    return openapi_document()


@require_safe
def openapi_json(request):
    """The OpenAPI 3.1 document, public like the README that describes the same API."""
    response = JsonResponse(_document(), json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_safe
def api_docs(request):
    """Redoc over the document, from our static files (no CDN); without JavaScript, links to the JSON."""
    return render(request, "api/docs.html", {"document": _document()})
