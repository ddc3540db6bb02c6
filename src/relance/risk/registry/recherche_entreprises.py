"""The French public company search service (recherche-entreprises.api.gouv.fr).

Free, no key; about 7 requests per second allowed. We ask for one SIREN and read the
matching result; HTTP goes through `relance.risk.http` (timeouts, one error type).
"""

from __future__ import annotations

import json
import urllib.parse

from relance.risk import http
from relance.risk.registry.base import (
    CompanyRecord,
    RegistryBackend,
    RegistryError,
    record_from_search,
)

BASE_URL = "https://recherche-entreprises.api.gouv.fr/search"


class RechercheEntreprises(RegistryBackend):
    kind = "recherche-entreprises"

    def __init__(self, base_url: str = BASE_URL, timeout: float = 5.0) -> None:
        self.base_url = base_url
        self.timeout = timeout

    def url_for(self, siren: str) -> str:
        return f"{self.base_url}?{urllib.parse.urlencode({'q': siren, 'page': 1, 'per_page': 5})}"

    def lookup(self, siren: str) -> CompanyRecord | None:
        try:
            answer = http.request(
                "GET",
                self.url_for(siren),
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
        except http.HttpFailure as exc:
            raise RegistryError(f"recherche-entreprises: {exc}", transient=exc.transient) from exc
        try:
            data = json.loads(answer.body)
        except ValueError as exc:
            raise RegistryError(
                "recherche-entreprises: answer is not JSON", transient=False
            ) from exc
        if not isinstance(data, dict):
            raise RegistryError("recherche-entreprises: unexpected answer", transient=False)
        return record_from_search(siren, data)
