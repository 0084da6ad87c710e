import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.countries import country_choices, country_name, postal_code_example, postal_code_normalise
from customers.selectors import normalise_email
from orders.services import MAX_LINE_QUANTITY


class CartAddForm(forms.Form):
    product_id = forms.CharField(max_length=64)
    variant_id = forms.CharField(max_length=16, required=False)  # for a product with options (catalog.variants)
    quantity = forms.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY, initial=1)


class CartUpdateForm(forms.Form):
    line = forms.CharField(max_length=81)  # the line's key: the product id, and its variant's
    quantity = forms.IntegerField(min_value=0, max_value=MAX_LINE_QUANTITY)


def _country_choices() -> list[tuple[str, str]]:
    return [("", _("Choose a country")), *country_choices()]


class AddressForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    line1 = forms.CharField(label=_("Address line 1"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "address-line1"}))
    line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False, widget=forms.TextInput(attrs={"autocomplete": "address-line2"}))
    city = forms.CharField(label=_("City"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "address-level2"}))
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, widget=forms.TextInput(attrs={"autocomplete": "postal-code"}))
    country = forms.ChoiceField(label=_("Country"), choices=_country_choices,
                                widget=forms.Select(attrs={"autocomplete": "country"}))

    def clean(self):
        cleaned = super().clean()
        country, postal_code = cleaned.get("country"), cleaned.get("postal_code")
        if country and postal_code is not None:
            normalised = postal_code_normalise(country=country, postal_code=postal_code)
            if normalised is None:
                self.add_error("postal_code", _("This is not a postal code of %(country)s (for example %(example)s).")
                               % {"country": country_name(country), "example": postal_code_example(country)})
            else:
                cleaned["postal_code"] = normalised
        return cleaned


class CheckoutForm(AddressForm):
    """The address, how to pay (when the shop offers more than one way) and whether to keep the address."""

    payment = forms.ChoiceField(label=_("How would you like to pay?"), widget=forms.RadioSelect, required=False)
    save_address = forms.BooleanField(label=_("Save this address to my profile"), required=False)

    def __init__(self, *args, providers: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment"].choices = [(name, provider.label) for name, provider in providers.items()]
        self.fields["payment"].initial = next(iter(providers))
        self.default_payment = next(iter(providers))
        if len(providers) == 1:
            self.fields["payment"].widget = forms.HiddenInput()

    def clean_payment(self):
        return self.cleaned_data.get("payment") or self.default_payment


class GuestCheckoutForm(CheckoutForm):
    """Checkout without an account: an email for the confirmation, and the address."""

    email = forms.EmailField(label=_("Email"), max_length=254,
                             help_text=_("We send the order confirmation and a link to the order here."),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    field_order = ["email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["save_address"]

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])


class PlaceOrderForm(forms.Form):
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)
    # The cart as reviewed (lines, quantities, prices, total): placing refuses if it changed.
    reviewed = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def clean_token(self):
        try:
            return str(uuid.UUID(self.cleaned_data["token"]))
        except ValueError:
            raise forms.ValidationError("This checkout form is not valid; review your order again.", code="bad_token") from None


class GuestLinkForm(forms.Form):
    """A guest asks for a fresh link to an order: its number and the email it was placed with."""

    reference = forms.CharField(label="Order number", max_length=14,
                                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip().lstrip("#").strip()
        if not reference.isdigit():
            raise forms.ValidationError("Type the order number from your email, e.g. 10042.")
        return reference

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()
