"""The payment-plan agreement sent to the debtor, as a PDF (typst, the letter layout).

    make_agreement(plan) -> PlanAgreement     a new version, stored with its SHA-256

It states both parties (name, legal form, address, SIREN), the invoices covered with their
open amounts, the schedule (number, date, amount; the direct debit when there is a mandate),
whether the late-payment penalties are kept or waived, the breach clause, and room for both
signatures. In the customer's language (French or English).
"""

from __future__ import annotations

import hashlib
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency

from relance.channels.letter.pdf import Letter, Sender, Table, render_pdf
from relance.domain.money import Money
from relance.negotiation.models import PaymentPlan, PlanAgreement

TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "subject": "Échéancier de paiement n° {number}",
        "parties": "Entre {creditor} (le créancier) et {customer} (le débiteur), il est convenu "
        "ce qui suit.",
        "object": "Le débiteur reconnaît devoir la somme de {total} au titre des factures "
        "ci-dessous et s'engage à la régler selon l'échéancier suivant, convenu le {agreed}.",
        "invoices": "Factures concernées",
        "invoice_headers": "Facture|Date|Échéance|Reste dû",
        "schedule": "Échéancier",
        "schedule_headers": "Échéance|Date|Montant",
        "total": "Total :",
        "transfer": "Les échéances sont réglées par virement"
        "{iban}, en rappelant la référence « Échéancier {number} ».",
        "debit": "Les échéances sont prélevées par prélèvement SEPA sur le compte {iban} "
        "(mandat {mandate} signé le {signed}).",
        "kept": "Pénalités de retard : les pénalités de retard et l'indemnité forfaitaire pour "
        "frais de recouvrement déjà encourues restent dues ; elles ne sont pas comprises dans "
        "l'échéancier.",
        "waived": "Pénalités de retard : le créancier renonce aux pénalités de retard et à "
        "l'indemnité forfaitaire pour frais de recouvrement sur ces factures, sous réserve du "
        "respect de l'échéancier.",
        "breach": "Défaut de paiement : si une échéance reste impayée {grace} jours après sa "
        "date, l'échéancier prend fin de plein droit ; la totalité du solde restant dû devient "
        "immédiatement exigible et le créancier reprend le recouvrement"
        "{penalties}.",
        "breach_waived": ", la renonciation aux pénalités devenant caduque",
        "reminder": "Un rappel est adressé {days} jours avant chaque échéance.",
        "place": "Fait à {city}, le {agreed}, en deux exemplaires.",
        "sign_creditor": "Pour le créancier, {name} — signature :",
        "sign_debtor": "Pour le débiteur, nom, qualité et signature, précédés de la mention "
        "« Bon pour accord » :",
    },
    "en": {
        "subject": "Payment plan no. {number}",
        "parties": "Between {creditor} (the creditor) and {customer} (the debtor), the "
        "following is agreed.",
        "object": "The debtor acknowledges owing {total} for the invoices below and undertakes "
        "to pay it according to the following schedule, agreed on {agreed}.",
        "invoices": "Invoices covered",
        "invoice_headers": "Invoice|Date|Due|Open",
        "schedule": "Schedule",
        "schedule_headers": "Instalment|Date|Amount",
        "total": "Total:",
        "transfer": "The instalments are paid by bank transfer"
        "{iban}, quoting the reference “Payment plan {number}”.",
        "debit": "The instalments are collected by SEPA direct debit from account {iban} "
        "(mandate {mandate} signed on {signed}).",
        "kept": "Late-payment penalties: the late-payment interest and the fixed recovery "
        "indemnity already incurred remain due; they are not included in the schedule.",
        "waived": "Late-payment penalties: the creditor waives the late-payment interest and "
        "the fixed recovery indemnity on these invoices, provided the schedule is kept.",
        "breach": "Breach: if an instalment remains unpaid {grace} days after its date, the plan "
        "ends automatically; the whole balance still owed becomes due at once and the creditor "
        "resumes collection{penalties}.",
        "breach_waived": ", the waiver of penalties lapsing",
        "reminder": "A reminder is sent {days} days before each instalment.",
        "place": "Made in {city} on {agreed}, in two copies.",
        "sign_creditor": "For the creditor, {name} — signature:",
        "sign_debtor": "For the debtor, name, position and signature, preceded by the words "
        "“Read and agreed”:",
    },
}


def _identity(party: Any) -> str:
    parts = [party.legal_name]
    if party.legal_form:
        parts.append(party.legal_form)
    address = ", ".join(
        p
        for p in (
            party.address_line1,
            party.address_line2,
            f"{party.postal_code} {party.city}".strip(),
        )
        if p
    )
    if address:
        parts.append(address)
    if party.siren:
        parts.append(f"SIREN {party.siren}")
    return ", ".join(parts)


def agreement_letter(plan: PaymentPlan) -> Letter:
    customer, creditor = plan.customer, plan.customer.creditor
    lang = "en" if customer.language == "en" else "fr"
    t = TEXTS[lang]
    loc = "fr_FR" if lang == "fr" else "en_GB"

    def money(minor: int) -> str:
        return str(
            format_currency(
                Money.from_minor(minor, plan.currency).amount, plan.currency, locale=loc
            )
        )

    def day(value: Any) -> str:
        return str(format_date(value, "dd/MM/yyyy" if lang == "fr" else "d MMM yyyy", locale=loc))

    number = str(plan.pk)
    agreed = day(plan.agreed_on)
    invoices = list(plan.invoices.order_by("due_date", "id"))
    instalments = list(plan.instalments.order_by("number"))
    paragraphs = [
        t["parties"].format(creditor=_identity(creditor), customer=_identity(customer)),
        t["object"].format(total=money(plan.total_minor), agreed=agreed),
    ]
    tables = [
        Table(
            t["invoices"],
            t["invoice_headers"].split("|"),
            [
                [
                    i.number,
                    day(i.issue_date),
                    day(i.due_date),
                    money(i.total_incl_tax_minor - i.allocated_minor),
                ]
                for i in invoices
            ],
            right=[3],
        ),
        Table(
            t["schedule"],
            t["schedule_headers"].split("|"),
            [[str(i.number), day(i.due_on), money(i.amount_minor)] for i in instalments],
            right=[2],
            total_label=t["total"],
            total=money(sum(i.amount_minor for i in instalments)),
        ),
    ]
    if plan.sepa_iban:
        how = t["debit"].format(
            iban=plan.sepa_iban,
            mandate=plan.sepa_mandate_ref,
            signed=day(plan.sepa_mandate_date) if plan.sepa_mandate_date else "",
        )
    else:
        iban = f" (IBAN {creditor.iban})" if creditor.iban else ""
        how = t["transfer"].format(iban=iban, number=number)
    closing = [
        how,
        t["waived"] if plan.penalties_waived else t["kept"],
        t["breach"].format(
            grace=plan.grace_days,
            penalties=t["breach_waived"] if plan.penalties_waived else "",
        ),
    ]
    if plan.remind_days_before:
        closing.append(t["reminder"].format(days=plan.remind_days_before))
    closing += [
        t["place"].format(city=creditor.city or "…", agreed=agreed),
        t["sign_creditor"].format(name=creditor.legal_name),
        t["sign_debtor"],
    ]
    address = [
        customer.legal_name,
        *[
            p
            for p in (
                customer.address_line1,
                customer.address_line2,
                f"{customer.postal_code} {customer.city}".strip(),
            )
            if p
        ],
    ]
    sender_lines = [
        p
        for p in (
            creditor.address_line1,
            creditor.address_line2,
            f"{creditor.postal_code} {creditor.city}".strip(),
            " – ".join(p for p in (creditor.phone, creditor.email) if p),
        )
        if p
    ]
    footer = " – ".join(
        p for p in (creditor.legal_name, f"SIREN {creditor.siren}" if creditor.siren else "") if p
    )
    where = creditor.city
    place_date = (
        (f"{where}, le {agreed}" if where else f"Le {agreed}")
        if lang == "fr"
        else (f"{where}, {agreed}" if where else agreed)
    )
    return Letter(
        lang=lang,
        sender=Sender(creditor.trade_name or creditor.legal_name, sender_lines),
        address=address,
        place_date=place_date,
        subject=t["subject"].format(number=number),
        paragraphs=paragraphs,
        footer=footer,
        tables=tables,
        closing=closing,
    )


def make_agreement(plan: PaymentPlan) -> PlanAgreement:
    pdf = render_pdf(agreement_letter(plan))
    return PlanAgreement.objects.create(plan=plan, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest())
