from django.urls import path

from webhooks import staff_views

app_name = "webhooks"

urlpatterns = [
    path("staff/webhooks/", staff_views.staff_webhooks, name="staff_list"),
    path("staff/webhooks/<str:endpoint_id>/", staff_views.staff_webhook_detail, name="staff_detail"),
    path("staff/webhooks/<str:endpoint_id>/toggle/", staff_views.staff_webhook_toggle, name="staff_toggle"),
    path("staff/webhooks/<str:endpoint_id>/delete/", staff_views.staff_webhook_delete, name="staff_delete"),
    path("staff/webhooks/<str:endpoint_id>/resend/", staff_views.staff_webhook_resend, name="staff_resend"),
]
