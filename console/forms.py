"""The console's forms: the catalog's edit and import forms, the lists' filters, order status changes, webhooks."""
import re
from decimal import Decimal

from django import forms
from django.utils.text import slugify

from catalog.attributes import KINDS, MAX_ATTRIBUTES, MAX_CHOICES
from catalog.images import ImageRefused, image_inspect
from catalog.selectors import category_list
from catalog.validators import sku_validator, slug_validator
from catalog.variants import MAX_IMAGES, MAX_OPTIONS, MAX_VALUES, MAX_VARIANTS
from customers.forms import STATUS_CHOICES
from orders.selectors import ORDER_STATUSES
from webhooks.selectors import EVENT_TYPES



class CategoryForm(forms.Form):
    name = forms.CharField(max_length=80)
    slug = forms.CharField(max_length=80, validators=[slug_validator], help_text="Used in the web address, e.g. kitchen-tools.")
    description = forms.CharField(max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    position = forms.IntegerField(min_value=0, max_value=10000, initial=0, help_text="Lower numbers come first.")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**53)


class ProductForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.CharField(max_length=120, required=False, validators=[slug_validator],
                           help_text="Used in the web address; left empty, it is made from the name.")
    sku = forms.CharField(
        label="SKU", max_length=40, required=False, validators=[sku_validator],
        help_text="Your own article number (unique): letters, digits, - _ . / — left empty, it is made from the slug.",
    )
    description = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 5}))
    price = forms.DecimalField(min_value=Decimal("0.01"), max_value=Decimal("100000"), decimal_places=2, max_digits=8)
    category_id = forms.ChoiceField(label="Category")
    stock = forms.IntegerField(min_value=0, max_value=1_000_000, initial=0, help_text="Starting stock; adjust it later from the product page.")
    image = forms.FileField(required=False, help_text="JPEG, PNG or WebP, at most 5 MB, at least 100 pixels a side.")
    active = forms.BooleanField(required=False, initial=True, label="Visible in the shop")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**53)

    def __init__(self, *args, categories=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category_id"].choices = [("", "Choose a category")] + [(c.category_id, c.name) for c in categories]
        if editing:
            del self.fields["stock"]

    def clean_price(self):
        return int(self.cleaned_data["price"] * 100)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("slug") and "slug" not in self.errors and cleaned.get("name"):
            slug = slugify(cleaned["name"])[:120].strip("-")
            slug = re.sub(r"-{2,}", "-", slug.replace("_", "-"))
            if slug:
                cleaned["slug"] = slug
            else:
                self.add_error("slug", forms.ValidationError("Give a slug: the name has no letters to make one from.",
                                                             code="required"))
        elif not cleaned.get("slug") and "slug" not in self.errors:
            self.add_error("slug", forms.ValidationError("This field is required.", code="required"))
        return cleaned

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if not upload:
            return None
        try:
            upload.image_kind = image_inspect(upload).kind
        except ImageRefused as refused:
            raise forms.ValidationError(str(refused), code=refused.code) from None
        return upload


class StockForm(forms.Form):
    delta = forms.IntegerField(
        label="Change stock by", min_value=-1_000_000, max_value=1_000_000,
        help_text="A positive number adds stock, a negative one removes it.",
    )

    reason = forms.CharField(
        max_length=200, help_text="Why: a delivery, a stock count, breakage… It is kept in the product's history.",
    )

    def clean_delta(self):
        if self.cleaned_data["delta"] == 0:
            raise forms.ValidationError("Enter a number other than zero.", code="zero")
        return self.cleaned_data["delta"]


class ProductTypeForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="What kind of product: Clothing, Lamp, Knife…")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**53)


class AttributeRowForm(forms.Form):
    """One attribute of a product type; an empty row is left out."""

    name = forms.CharField(label="Attribute", max_length=40, required=False)
    kind = forms.ChoiceField(label="Kind", choices=list(KINDS.items()), initial="text")
    values = forms.CharField(label="Values (a choice's, by commas)", max_length=600, required=False)
    unit = forms.CharField(label="Unit (a number's)", max_length=10, required=False)
    facet = forms.BooleanField(label="Filter on category pages", required=False)

    def clean(self):
        cleaned = super().clean()
        values = []
        for value in (cleaned.get("values") or "").split(","):
            value = " ".join(value.split())
            if value and value.casefold() not in {v.casefold() for v in values}:
                values.append(value[:40])
        cleaned["values"] = values
        if cleaned.get("name") and cleaned.get("kind") == "choice" and not values:
            self.add_error("values", forms.ValidationError("A choice needs its values.", code="required"))
        if len(values) > MAX_CHOICES:
            self.add_error("values", forms.ValidationError(f"At most {MAX_CHOICES} values.", code="too_many"))
        if cleaned.get("facet") and cleaned.get("kind") != "choice":
            self.add_error("facet", forms.ValidationError("Only a choice can filter category pages.", code="not_choice"))
        return cleaned


AttributeRowFormSet = forms.formset_factory(AttributeRowForm, extra=2, max_num=MAX_ATTRIBUTES,
                                            absolute_max=MAX_ATTRIBUTES, validate_max=True)


class SpecificationsForm(forms.Form):
    """A product's type, and a field for each attribute of it (a choice: its values; a number; text)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**53)
    type_id = forms.ChoiceField(label="Product type", required=False)

    def __init__(self, *args, types=(), product_type=None, **kwargs):
        kwargs.setdefault("auto_id", "spec_%s")
        super().__init__(*args, **kwargs)
        self.fields["type_id"].choices = [("", "None")] + [(t.type_id, t.name) for t in types]
        self.attribute_codes = []
        for attribute in (product_type.attributes if product_type else []):
            name = f"attr_{attribute.code}"
            if attribute.kind == "choice":
                field = forms.ChoiceField(choices=[("", "—"), *((v, v) for v in attribute.values or [])], required=False)
            elif attribute.kind == "number":
                field = forms.DecimalField(required=False, max_digits=12, decimal_places=3, min_value=0)
            else:
                field = forms.CharField(required=False, max_length=200)
            field.label = f"{attribute.name}{f' ({attribute.unit})' if attribute.unit else ''}"
            self.fields[name] = field
            self.attribute_codes.append(attribute.code)

    def attribute_values(self) -> dict:
        values = {}
        for code in self.attribute_codes:
            value = self.cleaned_data.get(f"attr_{code}")
            if value in (None, ""):
                continue
            if isinstance(value, Decimal):  # a number: whole numbers stay whole
                value = int(value) if value == value.to_integral_value() else float(value)
            values[code] = value
        return values


class GalleryAddForm(forms.Form):
    """A picture added to a product's gallery, with the words a screen reader says for it."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**53)
    image = forms.FileField(label="Add a picture", help_text="JPEG, PNG or WebP, at most 5 MB, at least 100 pixels a side.")
    alt = forms.CharField(label="What it shows", max_length=200, required=False,
                          help_text="Alt text, read out to people who cannot see it: “the tee in navy, from the back”.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "gallery_%s")  # several forms on the product page: ids of its own
        super().__init__(*args, **kwargs)

    def clean_image(self):
        upload = self.cleaned_data["image"]
        try:
            upload.image_kind = image_inspect(upload).kind
        except ImageRefused as refused:
            raise forms.ValidationError(str(refused), code=refused.code) from None
        return upload


class GalleryChangeForm(forms.Form):
    """One picture of the gallery: its alt text, moved up or down, or removed."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**53)
    index = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_IMAGES - 1)
    alt = forms.CharField(label="Alt text", max_length=200, required=False)
    action = forms.ChoiceField(choices=[("alt", "Save"), ("up", "Move up"), ("down", "Move down"), ("remove", "Remove")])


class OptionsForm(forms.Form):
    """Up to three options, each a name and its values separated by commas, in the order shoppers see them."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**53)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "options_%s")  # several forms on the product page: ids of its own
        super().__init__(*args, **kwargs)
        for number in range(1, MAX_OPTIONS + 1):
            self.fields[f"name{number}"] = forms.CharField(label=f"Option {number}", max_length=40, required=False,
                                                           help_text="e.g. Size" if number == 1 else "")
            self.fields[f"values{number}"] = forms.CharField(
                label=f"Values of option {number}", max_length=600, required=False,
                help_text="Separated by commas, in order: S, M, L" if number == 1 else "")

    def clean(self):
        cleaned = super().clean()
        options, seen = [], set()
        for number in range(1, MAX_OPTIONS + 1):
            name = (cleaned.get(f"name{number}") or "").strip()
            values = []
            for value in (cleaned.get(f"values{number}") or "").split(","):
                value = " ".join(value.split())
                if value and value.casefold() not in {v.casefold() for v in values}:
                    values.append(value)
            if not name and not values:
                continue
            if not name:
                self.add_error(f"name{number}", forms.ValidationError("Name this option.", code="required"))
            elif name.casefold() in seen:
                self.add_error(f"name{number}", forms.ValidationError("Two options have this name.", code="duplicate"))
            if not values:
                self.add_error(f"values{number}", forms.ValidationError("Give at least one value.", code="required"))
            elif len(values) > MAX_VALUES or any(len(value) > 40 for value in values):
                self.add_error(f"values{number}", forms.ValidationError(
                    f"At most {MAX_VALUES} values of at most 40 characters.", code="too_many"))
            seen.add(name.casefold())
            options.append((name, values))
        combinations = 1
        for _, values in options:
            combinations *= max(len(values), 1)
        if options and combinations > MAX_VARIANTS:
            raise forms.ValidationError(f"That makes {combinations} variants; a product can have at most {MAX_VARIANTS}.",
                                        code="too_many_variants")
        cleaned["options"] = options
        return cleaned


class VariantRowForm(forms.Form):
    """One row of the variant matrix: SKU, price override, stock (with the count it was read at) and on sale."""

    variant_id = forms.CharField(widget=forms.HiddenInput, max_length=16)
    sku = forms.CharField(label="SKU", max_length=40, validators=[sku_validator])
    price = forms.DecimalField(label="Price", required=False, min_value=Decimal("0.01"), max_value=Decimal("100000"),
                               decimal_places=2, max_digits=8)
    stock = forms.IntegerField(label="Stock", min_value=0, max_value=1_000_000)
    stock_was = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=1_000_000)
    weight = forms.IntegerField(label="Weight (g)", required=False, min_value=1, max_value=1_000_000)
    image = forms.ChoiceField(label="Picture", required=False)
    enabled = forms.BooleanField(label="On sale", required=False)

    def __init__(self, *args, pictures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["image"].choices = [("", "The product's"), *((path, f"{number}. {alt}"[:60])
                                                                 for number, (path, alt) in enumerate(pictures, start=1))]

    def clean_price(self):
        price = self.cleaned_data.get("price")
        return int(price * 100) if price is not None else None


VariantRowFormSet = forms.formset_factory(VariantRowForm, extra=0, max_num=MAX_VARIANTS, absolute_max=MAX_VARIANTS,
                                          validate_max=True)


class VariantMatrixForm(forms.Form):
    """What goes with the matrix: the product's version, the reason for stock changes and a stock for all."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**53)
    set_all = forms.IntegerField(label="Set every variant's stock to", required=False, min_value=0, max_value=1_000_000,
                                 help_text="Leave empty to use the stock column.")
    reason = forms.CharField(max_length=200, required=False,
                             help_text="Why stock changed (a delivery, a count…): kept in the product's history.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "matrix_%s")  # several forms on the product page: ids of its own
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("set_all") is not None and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", forms.ValidationError("Say why the stock changes.", code="required"))
        return cleaned


class ProductFilterForm(forms.Form):
    """The staff product list's search box, sort and filters (GET)."""

    q = forms.CharField(label="Search", max_length=100, required=False,
                        widget=forms.TextInput(attrs={"placeholder": "name, slug or SKU", "type": "search"}))
    sort = forms.ChoiceField(choices=[("newest", "Newest first"), ("name", "Name A–Z"), ("stock", "Lowest stock first")],
                             required=False)
    category = forms.ChoiceField(required=False)
    shown = forms.ChoiceField(choices=[("", "Shown and hidden"), ("shown", "Shown in the shop"), ("hidden", "Hidden")],
                              required=False)
    min_price = forms.DecimalField(label="Price from", min_value=Decimal("0"), max_value=Decimal("100000"),
                                   decimal_places=2, required=False)
    max_price = forms.DecimalField(label="Price to", min_value=Decimal("0"), max_value=Decimal("100000"),
                                   decimal_places=2, required=False)
    low_stock = forms.BooleanField(label="Low stock only", required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Any category")] + [(c.category_id, c.name) for c in categories]

    def selector_filters(self) -> dict:
        """The valid filters as product_list_staff's keyword arguments."""
        data = self.cleaned_data if self.is_valid() else {}
        cents = {key: int(data[field] * 100) for key, field in (("min_cents", "min_price"), ("max_cents", "max_price"))
                 if data.get(field) is not None}
        return {"sort": data.get("sort") or "newest", "category_id": data.get("category", ""),
                "shown": data.get("shown", ""), "low_stock": bool(data.get("low_stock")), **cents}


class SetStockForm(forms.Form):
    stock = forms.IntegerField(label="New stock", min_value=0, max_value=1_000_000)
    reason = forms.CharField(max_length=200, help_text="Kept in each product's history.")


class MoveCategoryForm(forms.Form):
    category_id = forms.ChoiceField(label="Move to category")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category_id"].choices = [("", "Choose a category")] + [(c.category_id, c.name) for c in category_list()]


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="Columns as in the product export; at most 2 MB and 500 rows.")


# Customers

class CustomerFilterForm(forms.Form):
    """The staff customer list's search box and filters (GET); invalid values fall back to none."""

    q = forms.CharField(label="Search", max_length=100, required=False,
                        widget=forms.TextInput(attrs={"placeholder": "email, surname or phone", "type": "search"}))
    status = forms.ChoiceField(choices=[("", "Any status"), *STATUS_CHOICES, ("guest", "Guest (no account)")],
                               required=False)
    sort = forms.ChoiceField(choices=[("newest", "Newest first"), ("oldest", "Oldest first")], required=False)


# Orders

class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=[(s, s) for s in ORDER_STATUSES])
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**53)
    carrier = forms.CharField(max_length=60, required=False)
    tracking_number = forms.CharField(max_length=60, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") != "shipped":
            cleaned["carrier"] = cleaned["tracking_number"] = ""
        return cleaned


class OrderFilterForm(forms.Form):
    """The staff order list's tab (status or "all"), date range and payment method (GET)."""

    status = forms.ChoiceField(choices=[("all", "All"), *((s, s) for s in ORDER_STATUSES)], required=False)
    date_from = forms.DateField(label="Placed from", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="Placed until", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    provider = forms.ChoiceField(label="Payment", choices=[("", "Any payment"), ("manual", "Manual (bank transfer)"),
                                                           ("stripe", "Card (Stripe)")], required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def selector_filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"status": data.get("status") or self.initial.get("status", "all"), "date_from": data.get("date_from"),
                "date_to": data.get("date_to"), "provider": data.get("provider", "")}


class OrderNoteForm(forms.Form):
    text = forms.CharField(label="Note", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    to_customer = forms.BooleanField(label="Send it to the customer (emailed, and shown on their order page)",
                                     required=False)


class ShipForm(forms.Form):
    carrier = forms.CharField(max_length=60, required=False, help_text="The same carrier for every order below.")


# Webhooks

class EndpointForm(forms.Form):
    url = forms.URLField(label="Endpoint URL", max_length=500, assume_scheme="https",
                         help_text="Where the shop POSTs the events (https://…). It must answer with a 2xx status.")
    description = forms.CharField(max_length=200, required=False, help_text="Who reads it, e.g. “warehouse sync”.")
    events = forms.MultipleChoiceField(choices=[(name, f"{name}: {what}") for name, what in EVENT_TYPES.items()],
                                       widget=forms.CheckboxSelectMultiple)
