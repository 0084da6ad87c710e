"""Signing in through GraphQL: a shopper's own app trades email and password for a token."""
from __future__ import annotations


import strawberry
from django.conf import settings
from graphql import GraphQLError
from strawberry.types import Info

from accounts import services as account_services
from accounts.tokens import shopper_token_make
from graphapi.common import fail
from shopsite.clients import client_address


@strawberry.type
class ShopperToken:
    token: str = strawberry.field(description="Send as 'Authorization: Shopper <token>'. Changing the password revokes it.")
    expires_in_seconds: int


@strawberry.type
class AccountsMutation:
    @strawberry.mutation(description="For a shopper's own app: trade email and password (through the sign-in "
                                      "throttle) for a token that signs later requests in.")
    def sign_in(self, info: Info, email: str, password: str) -> ShopperToken:
        request = info.context["request"]
        try:
            customer = account_services.login_attempt(scope="customer", email=email[:254], password=password[:128],
                                                      client=client_address(request))
        except account_services.LoginLocked as locked:
            raise GraphQLError(str(locked), extensions={"code": "RATE_LIMITED", "retryAfter": locked.seconds}) from None
        except account_services.InvalidCredentials:
            fail("UNAUTHENTICATED", "The email and password do not match.")
        return ShopperToken(token=shopper_token_make(customer), expires_in_seconds=settings.SHOPPER_TOKEN_SECONDS)
