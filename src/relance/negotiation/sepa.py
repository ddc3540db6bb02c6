"""SEPA direct debit of payment-plan instalments: a pain.008 file for the bank.

    debit_file(creditor, start, end) -> DebitFile     xml bytes, the instalments it collects

It lists, for the active plans of `creditor` that have a mandate, every instalment due from
`start` to `end` (included) and not fully paid yet, for what is left of it, collected on its
date (CORE scheme, one transaction each; sequence FRST for a plan's first instalment, RCUR for
the others). The creditor needs an IBAN and a SEPA creditor identifier (ICS); the debtor's
IBAN, the mandate reference and its date were checked when the plan was recorded
(relance.negotiation.plans.check_mandate) and are checked again here. The XML is
pain.008.001.08 and is validated against the XSD that sepaxml ships before it is returned.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from typing import Any

import sepaxml
from sepaxml import SepaDD
from sepaxml.validation import ValidationError as SepaValidationError

from relance.core.errors import BadInput
from relance.creditors.models import Creditor
from relance.domain.identifiers import (
    IdentifierError,
    clean_bic,
    clean_iban,
    clean_sepa_creditor_id,
)
from relance.negotiation.models import Instalment, InstalmentStatus, PlanStatus

SCHEMA = "pain.008.001.08"
XSD = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", f"{SCHEMA}.xsd")


@dataclass(frozen=True)
class DebitFile:
    xml: bytes
    instalments: list[Instalment]
    total_minor: int

    @property
    def count(self) -> int:
        return len(self.instalments)


def set_creditor_identifier(creditor: Creditor, value: str, *, user: Any) -> str:
    """Record the creditor's SEPA creditor identifier (administrators; BadInput if invalid)."""
    from relance.accounts.models import Role
    from relance.negotiation.margins import NotAllowed, role_of

    if role_of(user, creditor.pk) != Role.ADMIN:
        raise NotAllowed("only an administrator sets the SEPA creditor identifier")
    try:
        cleaned = clean_sepa_creditor_id(value) if value.strip() else ""
    except IdentifierError as exc:
        raise BadInput(f"sepa_creditor_id: {exc.issue.message('en')}") from exc
    Creditor.objects.filter(pk=creditor.pk).update(sepa_creditor_id=cleaned)
    creditor.sepa_creditor_id = cleaned
    return cleaned


def _creditor_config(creditor: Creditor) -> dict[str, object]:
    if not creditor.iban:
        raise BadInput("creditor iban: the creditor's IBAN is needed to collect by direct debit")
    if not creditor.sepa_creditor_id:
        raise BadInput(
            "creditor sepa_creditor_id: the SEPA creditor identifier (ICS) is needed to "
            "collect by direct debit"
        )
    try:
        iban = clean_iban(creditor.iban, "creditor iban")
        ics = clean_sepa_creditor_id(creditor.sepa_creditor_id, "creditor sepa_creditor_id")
        bic = clean_bic(creditor.bic, "creditor bic") if creditor.bic else ""
    except IdentifierError as exc:
        raise BadInput(f"{exc.issue.field}: {exc.issue.message('en')}") from exc
    config: dict[str, object] = {
        "name": creditor.legal_name,
        "IBAN": iban,
        "batch": False,
        "creditor_id": ics,
        "currency": "EUR",
    }
    if bic:
        config["BIC"] = bic
    return config


def debit_file(creditor: Creditor, start: date, end: date) -> DebitFile:
    """The pain.008 file of the instalments due from `start` to `end` (BadInput when there is
    none, or when the creditor or a mandate lacks what the bank needs)."""
    if end < start:
        raise BadInput(f"to: {end.isoformat()} is before from ({start.isoformat()})")
    config = _creditor_config(creditor)
    due = list(
        Instalment.objects.filter(
            plan__creditor=creditor,
            plan__status=PlanStatus.ACTIVE,
            status=InstalmentStatus.DUE,
            due_on__gte=start,
            due_on__lte=end,
        )
        .exclude(plan__sepa_iban="")
        .select_related("plan", "plan__customer")
        .order_by("due_on", "plan_id", "number")
    )
    due = [i for i in due if i.amount_minor > i.paid_minor]
    if not due:
        raise BadInput(
            f"no instalment with a direct-debit mandate is due from {start.isoformat()} "
            f"to {end.isoformat()}"
        )
    sepa = SepaDD(config, schema=SCHEMA, clean=True)
    total = 0
    for inst in due:
        plan = inst.plan
        where = f"plan #{plan.pk}, instalment {inst.number}"
        if plan.currency != "EUR":
            raise BadInput(f"{where}: SEPA direct debits are in euros, not {plan.currency}")
        if not plan.sepa_mandate_ref or plan.sepa_mandate_date is None:
            raise BadInput(f"{where}: the mandate reference and its date are required")
        try:
            iban = clean_iban(plan.sepa_iban, "sepa_iban")
            bic = clean_bic(plan.sepa_bic, "sepa_bic") if plan.sepa_bic else ""
        except IdentifierError as exc:
            raise BadInput(f"{where}: {exc.issue.message('en')}") from exc
        minor = inst.amount_minor - inst.paid_minor
        first = plan.instalments.order_by("number").values_list("number", flat=True).first()
        payment: dict[str, object] = {
            "name": plan.customer.legal_name,
            "IBAN": iban,
            "amount": minor,
            "type": "FRST" if inst.number == first else "RCUR",
            "collection_date": inst.due_on,
            "mandate_id": plan.sepa_mandate_ref,
            "mandate_date": plan.sepa_mandate_date,
            "description": f"Echeancier {plan.pk} echeance {inst.number}",
            "endtoend_id": f"PLAN{plan.pk}-{inst.number}",
        }
        if bic:
            payment["BIC"] = bic
        sepa.add_payment(payment)
        total += minor
    try:
        xml = sepa.export(validate=True)
    except SepaValidationError as exc:
        raise BadInput(f"the direct-debit file does not validate against {SCHEMA}: {exc}") from exc
    return DebitFile(bytes(xml), due, total)
