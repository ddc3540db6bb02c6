"""The registered-letter tracking form of the correspondence page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TrackingForm(forms.Form):
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=40, required=False)
    presented_on = forms.DateField(
        label=_("First presented on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    acknowledged_on = forms.DateField(
        label=_("Acknowledgment (AR) signed on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
