from django.urls import path

from orders import payment_views, views

app_name = "orders"

urlpatterns = [
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/hello/", views.cart_hello, name="cart_hello"),
    path("cart/update/", views.cart_update, name="cart_update"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/review/", views.review, name="review"),
    path("checkout/place/", views.place, name="place"),
    path("checkout/done/<str:order_id>/", views.done, name="done"),
    path("account/orders/", views.history, name="history"),
    path("account/orders/<str:order_id>/", views.order_detail, name="detail"),
    path("account/orders/<str:order_id>/cancel/", views.order_cancel, name="cancel"),
    path("account/orders/<str:order_id>/pay/", views.pay, name="pay"),
    path("orders/link/", views.guest_link_request, name="guest_link_request"),
    path("orders/link/<str:token>/", views.guest_link, name="guest_link"),
    path("account/orders/claim/<str:token>/", views.claim, name="claim"),
    path("payments/stripe/webhook/", payment_views.stripe_webhook, name="stripe_webhook"),
]
