"""The onboarding checklist of a new customer, and the company-registry check.

A customer must complete the checklist before its first sale on credit (an order
posted through the API) when the creditor's setting `onboarding_required` is on
(default) and the customer was created after the settings were (customers that
existed before count as done). A consumer (B2C) skips the company checks.

Checks: identifiers valid (SIREN; SIRET and VAT when given, and consistent), head
office recorded (address, postal code, city), website recorded, registry lookup
done and the company active, credit questions asked, payment terms sent, a risk note.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relance.customers.models import Customer, CustomerKind
from relance.domain import identifiers as ids
from relance.risk.models import Onboarding, RiskSettings
from relance.risk.registry import CompanyRecord, RegistryBackend, RegistryError, get_backend

LABELS = {
    "identifiers": _("identifiers valid (SIREN, SIRET, VAT)"),
    "head_office": _("head office recorded"),
    "website": _("website recorded"),
    "registry": _("company registry checked, company active"),
    "questions": _("credit questions asked"),
    "terms": _("payment terms sent"),
    "risk_note": _("risk note written"),
}


@dataclass(frozen=True, slots=True)
class Check:
    key: str
    done: bool
    detail: str = ""

    @property
    def label(self) -> str:
        return str(LABELS[self.key])


@dataclass(frozen=True, slots=True)
class OnboardingStatus:
    required: bool
    checks: tuple[Check, ...]

    @property
    def done(self) -> bool:
        return all(c.done for c in self.checks)


def _identifiers(customer: Customer) -> Check:
    if not customer.siren:
        return Check("identifiers", False, "SIREN missing")
    try:
        siren = ids.clean_siren(customer.siren)
        if customer.siret and ids.clean_siret(customer.siret)[:9] != siren:
            return Check("identifiers", False, "SIRET of another SIREN")
        if customer.vat_number:
            vat = ids.clean_vat(customer.vat_number)
            if ids.check_vat_matches_siren(vat, siren) is not None:
                return Check("identifiers", False, "VAT number of another SIREN")
    except ids.IdentifierError as exc:
        return Check("identifiers", False, exc.issue.message("en"))
    return Check("identifiers", True)


def onboarding_of(customer: Customer) -> Onboarding:
    found, _created = Onboarding.objects.get_or_create(customer=customer)
    return found


def onboarding_status(customer: Customer, cfg: RiskSettings) -> OnboardingStatus:
    """The checklist and whether it is required for this customer."""
    row = Onboarding.objects.filter(customer=customer).first() or Onboarding(customer=customer)
    required = cfg.onboarding_required and customer.created_at >= cfg.onboarding_since
    checks: list[Check] = []
    if customer.kind != CustomerKind.B2C:
        checks.append(_identifiers(customer))
    checks.append(
        Check(
            "head_office",
            bool(customer.address_line1 and customer.postal_code and customer.city),
        )
    )
    if customer.kind != CustomerKind.B2C:
        checks.append(Check("website", bool(customer.website_list)))
        checks.append(
            Check(
                "registry",
                row.registry_checked_at is not None and row.registry_active is True,
                row.registry_name,
            )
        )
    checks.append(Check("questions", row.questions_asked))
    checks.append(Check("terms", row.terms_sent))
    checks.append(Check("risk_note", bool(row.risk_note.strip())))
    return OnboardingStatus(required, tuple(checks))


def check_registry(customer: Customer, backend: RegistryBackend | None = None) -> CompanyRecord:
    """Look the customer up in the company registry and keep the answer.

    Raises RegistryError when the lookup fails or the registry does not know the
    SIREN (nothing is stored then).
    """
    if not customer.siren:
        raise RegistryError("the customer has no SIREN to look up", transient=False)
    source = backend or get_backend()
    record = source.lookup(customer.siren)
    if record is None:
        raise RegistryError(f"SIREN {customer.siren} unknown to the registry", transient=False)
    row = onboarding_of(customer)
    row.registry_checked_at = timezone.now()
    row.registry_backend = source.kind
    row.registry_name = record.name[:200]
    row.registry_active = record.active
    row.registry_data = record.raw
    row.save()
    return record
