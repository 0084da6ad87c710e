from django import forms

from webhooks.models import EVENT_TYPES


class EndpointForm(forms.Form):
    url = forms.URLField(label="Endpoint URL", max_length=500, assume_scheme="https",
                         help_text="Where the shop POSTs the events (https://…). It must answer with a 2xx status.")
    description = forms.CharField(max_length=200, required=False, help_text="Who reads it, e.g. “warehouse sync”.")
    events = forms.MultipleChoiceField(choices=[(name, f"{name}: {what}") for name, what in EVENT_TYPES.items()],
                                       widget=forms.CheckboxSelectMultiple)
