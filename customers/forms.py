from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from customers.selectors import normalise_email

STATUS_CHOICES = [("active", "Active"), ("inactive", "Inactive")]


def check_new_password(form, cleaned: dict, *, field: str, confirm: str) -> None:
    """Add form errors unless *field* matches *confirm* and passes the password validators."""
    password = cleaned.get(field)
    if password and password != cleaned.get(confirm):
        form.add_error(confirm, forms.ValidationError("The passwords do not match.", code="password_mismatch"))
    elif password:
        try:
            validate_password(password)
        except forms.ValidationError as error:
            form.add_error(field, error)


class LoginForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))
    password = forms.CharField(label=_("Password"), max_length=128, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])


class PasswordResetForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])


class ProfileForm(forms.Form):
    """The fields a shopper may edit on their own profile."""

    email = forms.EmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False, widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False, widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False, widget=forms.TextInput(attrs={"autocomplete": "tel"}))
    line1 = forms.CharField(label=_("Address line 1"), max_length=200, required=False, widget=forms.TextInput(attrs={"autocomplete": "address-line1"}))
    line2 = forms.CharField(label=_("Address line 2"), max_length=200, required=False, widget=forms.TextInput(attrs={"autocomplete": "address-line2"}))
    city = forms.CharField(label=_("City"), max_length=100, required=False, widget=forms.TextInput(attrs={"autocomplete": "address-level2"}))
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False, widget=forms.TextInput(attrs={"autocomplete": "postal-code"}))
    country = forms.CharField(label=_("Country"), max_length=100, required=False, widget=forms.TextInput(attrs={"autocomplete": "country-name"}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**53)

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])


class AccountForm(ProfileForm):
    """The shopper's own profile page: everything but the email, which changes through EmailChangeForm."""

    email = None


class EmailChangeForm(forms.Form):
    """A new email address, proven by the current password now and by a link sent to that address."""

    new_email = forms.EmailField(label="New email", max_length=254,
                                 widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    current_password = forms.CharField(label="Current password", max_length=128, strip=False,
                                       widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def clean_new_email(self):
        return normalise_email(self.cleaned_data["new_email"])


class CustomerForm(ProfileForm):
    """Everything staff may set on a customer."""

    notes = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    status = forms.ChoiceField(choices=STATUS_CHOICES, initial="active")


class SignupForm(ProfileForm):
    password = forms.CharField(label=_("Password"), max_length=128, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_confirm = forms.CharField(label=_("Password (again)"), max_length=128, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    field_order = ["email", "password", "password_confirm", "first_name", "last_name"]

    def clean(self):
        cleaned = super().clean()
        check_new_password(self, cleaned, field="password", confirm="password_confirm")
        return cleaned


class SetPasswordForm(forms.Form):
    """A new password, typed twice and checked against the password validators."""

    new_password = forms.CharField(max_length=128, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password_confirm = forms.CharField(label="New password (again)", max_length=128, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        cleaned = super().clean()
        check_new_password(self, cleaned, field="new_password", confirm="new_password_confirm")
        return cleaned


class PasswordChangeForm(SetPasswordForm):
    current_password = forms.CharField(max_length=128, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    field_order = ["current_password", "new_password", "new_password_confirm"]
