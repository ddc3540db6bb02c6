"""Company-registry lookups: one interface, a registry from kind to backend.

- `recherche-entreprises`: the French public company search service
  (https://recherche-entreprises.api.gouv.fr/search?q=<SIREN>), through the one
  HTTP client with timeouts;
- `recorded`: answers recorded from that service, read from a folder (offline, demo
  and tests). The default folder ships a few of our own recordings.

`RELANCE_RISK_REGISTRY` chooses the backend (default `recorded`).
"""

from __future__ import annotations

from django.conf import settings

from relance.risk.registry.base import CompanyRecord, RegistryBackend, RegistryError
from relance.risk.registry.recherche_entreprises import RechercheEntreprises
from relance.risk.registry.recorded import Recorded

BACKENDS: dict[str, type[RegistryBackend]] = {
    RechercheEntreprises.kind: RechercheEntreprises,
    Recorded.kind: Recorded,
}


def get_backend(kind: str | None = None) -> RegistryBackend:
    name = kind or str(getattr(settings, "RELANCE_RISK_REGISTRY", "recorded"))
    if name not in BACKENDS:
        raise RegistryError(
            f"unknown registry backend '{name}' (expected: {', '.join(sorted(BACKENDS))})",
            transient=False,
        )
    return BACKENDS[name]()


__all__ = ["BACKENDS", "CompanyRecord", "RegistryBackend", "RegistryError", "get_backend"]
