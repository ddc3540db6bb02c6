"""Who the caller is: user, creditor, role and what the role allows."""

from typing import Any

from ninja import Router

from relance.api.auth import caller
from relance.api.errors import COMMON
from relance.api.schemas import MeOut

router = Router(tags=["me"])


@router.get("/me", response={200: MeOut, **COMMON}, summary="The caller's identity and rights")
def get_me(request: Any) -> Any:
    who = caller(request)
    membership = who.membership
    token = who.token
    return {
        "user": membership.user_id,
        "username": who.user.get_username(),
        "creditor": membership.creditor_id,
        "creditor_name": str(membership.creditor),
        "role": membership.role,
        "can_write": membership.can_write,
        "can_write_ledger": membership.can_import,
        "sees_all_customers": membership.sees_all_customers,
        "token_prefix": token.prefix if token else None,
        "token_expires_at": token.expires_at if token else None,
    }
