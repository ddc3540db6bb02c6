"""The registry interface: look a company up by SIREN, get a `CompanyRecord`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


class RegistryError(Exception):
    """The lookup failed; `transient` says whether trying again later may work."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True, slots=True)
class CompanyRecord:
    siren: str
    name: str
    active: bool
    head_office_siret: str = ""
    head_office_address: str = ""
    postal_code: str = ""
    city: str = ""
    legal_form_code: str = ""
    created_on: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


class RegistryBackend:
    kind: ClassVar[str] = ""

    def lookup(self, siren: str) -> CompanyRecord | None:
        """The company with this SIREN, None when the registry does not know it."""
        raise NotImplementedError


def record_from_search(siren: str, answer: dict[str, Any]) -> CompanyRecord | None:
    """Read a recherche-entreprises search answer ({"results": [...]}) for one SIREN."""
    results = answer.get("results")
    if not isinstance(results, list):
        raise RegistryError("registry answer without 'results'", transient=False)
    for item in results:
        if not isinstance(item, dict) or item.get("siren") != siren:
            continue
        siege = item.get("siege") if isinstance(item.get("siege"), dict) else {}
        assert isinstance(siege, dict)
        return CompanyRecord(
            siren=siren,
            name=str(item.get("nom_complet") or item.get("nom_raison_sociale") or ""),
            active=item.get("etat_administratif") == "A",
            head_office_siret=str(siege.get("siret") or ""),
            head_office_address=str(siege.get("adresse") or ""),
            postal_code=str(siege.get("code_postal") or ""),
            city=str(siege.get("libelle_commune") or ""),
            legal_form_code=str(item.get("nature_juridique") or ""),
            created_on=str(item.get("date_creation") or ""),
            raw=item,
        )
    return None
