"""Forms of the web UI."""

from __future__ import annotations

from datetime import date

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relance.imports.models import ImportKind

ALLOWED_SUFFIXES = (".csv", ".xlsx", ".txt")


def parse_as_of(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What the file contains"), choices=ImportKind.choices
    )
    file = forms.FileField(
        label=gettext_lazy("File (CSV or XLSX)"),
        help_text=gettext_lazy("UTF-8 CSV with a header line, or an Excel workbook (.xlsx)."),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(_("Only .csv and .xlsx files can be imported."))
        limit = int(settings.RELANCE_IMPORT_MAX_BYTES)
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is too large (%(size)s; at most %(limit)s).")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        return upload
