"""Error responses of the API: one shape for every failure.

    {"code": "invalid", "message": "…",
     "errors": [{"field": "siren", "message": "…", "code": "invalid_siren", "line": null}]}

Statuses: 401 not authenticated (missing, unknown, revoked or expired token),
403 authenticated but not allowed (role, creditor, CSRF), 404 not found or not
visible to the caller, 409 conflict with existing data (duplicate number or
reference), 422 input refused (validation, ledger rule).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from relance.accounts.access import NoAccess
from relance.core.errors import BadInput
from relance.domain.calendar import DateParseError
from relance.domain.identifiers import IdentifierError, Issue
from relance.domain.money import MoneyError


class FieldError(Schema):
    field: str | None = None
    message: str
    code: str | None = None
    line: int | None = None


class Error(Schema):
    code: str
    message: str
    errors: list[FieldError] = []


#: Responses every operation may give.
COMMON: dict[int, Any] = {401: Error, 403: Error, 422: Error}
#: … plus 404 for operations on one object (or scoped to one).
ONE: dict[int, Any] = {**COMMON, 404: Error}
#: … plus 409 for operations that create or change data.
WRITE: dict[int, Any] = {**ONE, 409: Error}


class ApiError(Exception):
    """An error answer: HTTP status, code, message and per-field errors."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors or []


def not_found(message: str) -> ApiError:
    return ApiError(404, "not_found", message)


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def conflict(message: str, field: str | None = None) -> ApiError:
    errors = [{"field": field, "message": message, "code": "duplicate"}] if field else []
    return ApiError(409, "conflict", message, errors)


def invalid(message: str, errors: list[dict[str, Any]] | None = None) -> ApiError:
    return ApiError(422, "invalid", message, errors)


class Issues:
    """Collects field errors while a payload is checked, then raises them all at once."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def add(self, field: str, message: str, code: str = "invalid") -> None:
        self.errors.append({"field": field, "message": message, "code": code})

    def issue(self, issue: Issue) -> None:
        self.add(issue.field, issue.message(get_language() or "en"), issue.code)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise invalid(_("The data sent is not valid."), self.errors)


def _field_of(loc: list[Any] | tuple[Any, ...]) -> str:
    """ "body.payload.siren" → "siren"; "query.limit" → "limit"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "form", "file", "header", "cookie"):
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in ("payload", "data", "filters"):
        parts = parts[1:]
    return ".".join(parts)


def _respond(
    api: NinjaAPI, request: HttpRequest, status: int, body: dict[str, Any]
) -> HttpResponse:
    body.setdefault("errors", [])
    return api.create_response(request, body, status=status)


def install(api: NinjaAPI) -> None:
    """Register the handlers turning every known failure into an Error response."""

    def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        body = {"code": exc.code, "message": exc.message, "errors": exc.errors}
        return _respond(api, request, exc.status, body)

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            {
                "field": _field_of(err.get("loc", ())),
                "message": str(err.get("msg", "")),
                "code": str(err.get("type", "invalid")),
            }
            for err in exc.errors
        ]
        return _respond(
            api,
            request,
            422,
            {"code": "invalid", "message": _("The data sent is not valid."), "errors": errors},
        )

    def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = exc.message if exc.message != "Unauthorized" else _("Authentication required.")
        response = _respond(api, request, 401, {"code": "not_authenticated", "message": message})
        response["WWW-Authenticate"] = 'Bearer realm="relance"'
        return response

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:  # unreadable body (not JSON, bad encoding)
            return _respond(
                api,
                request,
                422,
                {
                    "code": "invalid",
                    "message": _("The request body cannot be read: %(why)s") % {"why": str(exc)},
                },
            )
        codes = {401: "not_authenticated", 403: "forbidden", 404: "not_found", 429: "throttled"}
        code = codes.get(exc.status_code, "error")
        return _respond(api, request, exc.status_code, {"code": code, "message": str(exc)})

    def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _respond(api, request, 404, {"code": "not_found", "message": _("Not found.")})

    def on_no_access(request: HttpRequest, exc: NoAccess) -> HttpResponse:
        return _respond(
            api,
            request,
            403,
            {"code": "forbidden", "message": _("You have no access to this creditor.")},
        )

    def on_bad_input(request: HttpRequest, exc: BadInput) -> HttpResponse:
        return _respond(api, request, 422, {"code": "invalid", "message": str(exc)})

    def on_identifier(request: HttpRequest, exc: IdentifierError) -> HttpResponse:
        issues = Issues()
        issues.issue(exc.issue)
        return _respond(
            api,
            request,
            422,
            {"code": "invalid", "message": issues.errors[0]["message"], "errors": issues.errors},
        )

    def on_value(request: HttpRequest, exc: ValueError) -> HttpResponse:
        return _respond(api, request, 422, {"code": "invalid", "message": str(exc)})

    def on_integrity(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        return _respond(
            api,
            request,
            409,
            {
                "code": "conflict",
                "message": _("The change conflicts with existing data: %(reason)s")
                % {"reason": str(exc).splitlines()[0] if str(exc) else "integrity"},
            },
        )

    api.add_exception_handler(ApiError, on_api_error)  # type: ignore[arg-type]
    api.add_exception_handler(ValidationError, on_validation)  # type: ignore[arg-type]
    api.add_exception_handler(AuthenticationError, on_authentication)  # type: ignore[arg-type]
    api.add_exception_handler(HttpError, on_http_error)  # type: ignore[arg-type]
    api.add_exception_handler(Http404, on_404)  # type: ignore[arg-type]
    api.add_exception_handler(NoAccess, on_no_access)  # type: ignore[arg-type]
    api.add_exception_handler(BadInput, on_bad_input)  # type: ignore[arg-type]
    api.add_exception_handler(IdentifierError, on_identifier)  # type: ignore[arg-type]
    api.add_exception_handler(MoneyError, on_value)  # type: ignore[arg-type]
    api.add_exception_handler(DateParseError, on_value)  # type: ignore[arg-type]
    api.add_exception_handler(IntegrityError, on_integrity)  # type: ignore[arg-type]
