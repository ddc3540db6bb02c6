"""File imports (customers, contacts, invoices, payments) through the API."""

from typing import Any, BinaryIO, cast

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import File, Router
from ninja.files import UploadedFile

from relance.api.auth import caller
from relance.api.errors import WRITE, invalid
from relance.api.schemas import ImportOut
from relance.creditors.models import Creditor
from relance.imports.models import ImportKind

router = Router(tags=["imports"])


def _row_errors(result: dict[str, Any]) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    for err in result.get("errors") or []:
        if not isinstance(err, dict):
            errors.append({"message": str(err)})
            continue
        line = err.get("line")
        errors.append(
            {
                "field": err.get("field"),
                "message": str(err.get("message", "")),
                "code": err.get("code"),
                "line": line if isinstance(line, int) else None,
            }
        )
    return errors


@router.post(
    "/imports/{kind}",
    response={200: ImportOut, **WRITE},
    summary="Import a CSV/XLSX file (dry_run=true checks it and writes nothing)",
)
def run_import_view(
    request: Any,
    kind: ImportKind,
    file: File[UploadedFile],
    dry_run: bool = False,
) -> Any:
    who = caller(request)
    who.need_ledger_write()
    limit = settings.RELANCE_IMPORT_MAX_BYTES
    if file.size is not None and file.size > limit:
        raise invalid(
            _("The file is too large (%(size)s bytes, at most %(limit)s).")
            % {"size": file.size, "limit": limit},
            [{"field": "file", "message": _("The file is too large."), "code": "file_too_large"}],
        )
    from relance.imports.service import run_import

    creditor = Creditor.objects.get(pk=who.creditor_id)
    result = run_import(
        creditor,
        str(kind),
        cast(BinaryIO, file.file),
        file_name=file.name or "upload",
        dry_run=dry_run,
        user=who.user,
        lang=get_language() or "en",
    )
    body = result.as_dict()
    if not result.ok:
        errors = _row_errors(body)
        raise invalid(
            _("The file was refused: %(count)s error(s), nothing was imported.")
            % {"count": len(errors)},
            errors,
        )
    return {"ok": True, "dry_run": dry_run, "result": body}
