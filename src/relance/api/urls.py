"""The REST API: OpenAPI schema at /api/openapi.json, interactive docs at /api/docs."""

from typing import Any

from ninja import NinjaAPI

from relance.api import errors
from relance.api.auth import AUTH
from relance.api.routers import (
    arrangements,
    banking,
    channels,
    customers,
    dunning,
    einvoice,
    forecast,
    imports,
    ledger,
    legal,
    me,
    negotiation,
    penalties,
    portal,
    replies,
    reports,
    risk,
    sending,
    worklist,
)


class RelanceAPI(NinjaAPI):
    def get_operation_id(self, operation: Any) -> str:
        """Short operation ids ("list_invoices") for generated clients."""
        name = str(operation.view_func.__name__)
        return name.removesuffix("_view")


api = RelanceAPI(
    title="relance API",
    version="1",
    urls_namespace="api",
    auth=AUTH,
    description=(
        "Customers, contacts, invoices, credit notes, payments, allocations, aging and "
        "imports of one creditor. Authenticate with `Authorization: Bearer <token>` "
        "(`relance token create`) or the web session. Amounts are decimal strings in the "
        "currency given next to them. Errors share one shape: "
        '`{"code", "message", "errors": [{"field", "message", "code", "line"}]}`.\n\n'
        "Roles apply as in the web interface: every role reads, a collector only the "
        "customers assigned to them; read_only changes nothing; creating customers, invoices, "
        "credit notes and payments and running imports needs an administrator or a credit "
        "manager; a collector may update their customers, contacts and allocations."
    ),
)
errors.install(api)
api.add_router("", me.router)
api.add_router("", customers.router)
api.add_router("", ledger.router)
api.add_router("", reports.router)
api.add_router("", imports.router)
api.add_router("", dunning.router)
api.add_router("", forecast.router)
api.add_router("", legal.router)
api.add_router("", penalties.router)
api.add_router("", banking.router)
api.add_router("", einvoice.router)
api.add_router("", channels.router)
api.add_router("", sending.router)
api.add_router("", risk.router)
api.add_router("", replies.router)
api.add_router("", arrangements.router)
api.add_router("", worklist.router)
api.add_router("", negotiation.router)
api.add_router("", portal.router)
