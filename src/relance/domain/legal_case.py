"""Legal-case tracking: the competent court, the stages of a recovery, the next deadline (pure).

Sources (see ../shared/LEGAL.md §5 and docs/legal-cases.md):

- CPC 1406: the request for an injonction de payer goes to the **president of the tribunal de
  commerce** when the claim is between traders / professionals, otherwise to the **tribunal
  judiciaire**; territorial competence is the debtor's domicile (registered office for a
  company), a rule of public policy.
- CPC 1411: the order must be served within **6 months** of its date, or it lapses.
- CPC 1416: the debtor may oppose it within **one month** of service.
- CPCE L125-1, R125-1 ff.: small-claims recovery by a commissaire de justice for claims up to
  **5,000 €** (principal and interest), with the debtor's agreement; one month to accept,
  silence is a refusal.

Stages are recorded as events with a date; `next_deadline` reads them and says what is due
next and by when. A stage recorded out of order is refused with the reason.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum


class Route(StrEnum):
    PAYMENT_ORDER = "payment_order"  # injonction de payer
    SMALL_CLAIMS = "small_claims"  # procédure simplifiée de recouvrement des petites créances
    AGENCY = "agency"  # handed over to a collection agency
    LAWYER = "lawyer"
    #: opened by a formal notice the dunning worker sent: the way forward is decided after
    #: the notice's payment period (docs/legal-cases.md); dunning is not paused until then
    UNDECIDED = "undecided"


#: The routes a person chooses when opening a case or deciding the escalation.
CHOSEN_ROUTES = (Route.PAYMENT_ORDER, Route.SMALL_CLAIMS, Route.AGENCY, Route.LAWYER)


class Stage(StrEnum):
    NOTICE_SENT = "notice_sent"
    ACK_RECEIVED = "ack_received"
    REQUEST_FILED = "request_filed"
    ORDER_GRANTED = "order_granted"
    ORDER_REFUSED = "order_refused"
    SERVED = "served"
    OPPOSITION = "opposition"  # the debtor opposed: the case goes to a hearing
    ENFORCEMENT = "enforcement"  # by a commissaire de justice
    SMALL_CLAIMS_PROPOSED = "small_claims_proposed"
    SMALL_CLAIMS_ACCEPTED = "small_claims_accepted"
    SMALL_CLAIMS_REFUSED = "small_claims_refused"
    HANDED_OVER = "handed_over"  # to an agency or a lawyer
    CLOSED = "closed"


#: Stages that must already be recorded before a stage can be (any one of them).
REQUIRES: dict[Stage, tuple[Stage, ...]] = {
    Stage.ACK_RECEIVED: (Stage.NOTICE_SENT,),
    Stage.ORDER_GRANTED: (Stage.REQUEST_FILED,),
    Stage.ORDER_REFUSED: (Stage.REQUEST_FILED,),
    Stage.SERVED: (Stage.ORDER_GRANTED,),
    Stage.OPPOSITION: (Stage.SERVED,),
    Stage.ENFORCEMENT: (Stage.SERVED, Stage.SMALL_CLAIMS_ACCEPTED),
    Stage.SMALL_CLAIMS_ACCEPTED: (Stage.SMALL_CLAIMS_PROPOSED,),
    Stage.SMALL_CLAIMS_REFUSED: (Stage.SMALL_CLAIMS_PROPOSED,),
}

SMALL_CLAIMS_LIMIT = Decimal("5000.00")
SERVE_WITHIN_MONTHS = 6
OPPOSITION_MONTHS = 1
SMALL_CLAIMS_ANSWER_MONTHS = 1


@dataclass(frozen=True, slots=True)
class Court:
    kind: str  # "tribunal_de_commerce" or "tribunal_judiciaire"
    place: str  # where the debtor has its registered office or domicile
    basis: str

    def label(self, lang: str) -> str:
        if lang.startswith("fr"):
            name = {
                "tribunal_de_commerce": "Président du tribunal de commerce",
                "tribunal_judiciaire": "Tribunal judiciaire",
            }[self.kind]
            return f"{name} du lieu du siège ou du domicile du débiteur ({self.place})"
        name = {
            "tribunal_de_commerce": "President of the commercial court (tribunal de commerce)",
            "tribunal_judiciaire": "Civil court (tribunal judiciaire)",
        }[self.kind]
        return f"{name} of the debtor's registered office or domicile ({self.place})"


def competent_court(debtor_is_professional: bool, postal_code: str, city: str) -> Court:
    """CPC 1406, for a professional creditor (relance's users are companies)."""
    kind = "tribunal_de_commerce" if debtor_is_professional else "tribunal_judiciaire"
    place = " ".join(part for part in (postal_code.strip(), city.strip()) if part) or "?"
    return Court(kind, place, "CPC art. 1406")


def small_claims_allowed(principal_and_interest: Decimal) -> bool:
    """CPCE R125-1: the small-claims route is open up to 5,000 € in principal and interest."""
    return Decimal(0) < principal_and_interest <= SMALL_CLAIMS_LIMIT


def add_months(day: date, months: int) -> date:
    """Same day `months` later, or the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@dataclass(frozen=True, slots=True)
class Event:
    stage: Stage
    on: date


@dataclass(frozen=True, slots=True)
class Deadline:
    what: str  # a stable code
    due: date
    en: str
    fr: str

    def message(self, lang: str) -> str:
        return self.fr if lang.startswith("fr") else self.en


class StageError(ValueError):
    def __init__(self, en: str, fr: str) -> None:
        super().__init__(en)
        self.en, self.fr = en, fr


def check_event(history: Sequence[Event], new: Event, opened_on: date) -> None:
    """Refuse a stage that needs an earlier one not recorded, a date before the case or
    before the stage it follows, and anything after the case was closed."""
    if any(e.stage is Stage.CLOSED for e in history):
        raise StageError("the case is closed", "le dossier est clos")
    if new.on < opened_on:
        raise StageError(
            f"{new.on.isoformat()} is before the case was opened ({opened_on.isoformat()})",
            f"le {new.on.isoformat()} précède l'ouverture du dossier ({opened_on.isoformat()})",
        )
    needed = REQUIRES.get(new.stage)
    if needed:
        before = [e for e in history if e.stage in needed]
        if not before:
            names = ", ".join(s.value for s in needed)
            raise StageError(
                f"{new.stage.value} needs {names} first",
                f"{new.stage.value} demande d'abord {names}",
            )
        first = min(e.on for e in before)
        if new.on < first:
            raise StageError(
                f"{new.stage.value} on {new.on.isoformat()} is before {first.isoformat()}",
                f"{new.stage.value} le {new.on.isoformat()} précède le {first.isoformat()}",
            )


def next_deadline(history: Sequence[Event], notice_deadline: date | None = None) -> Deadline | None:
    """What is due next, from the latest stage recorded (None when nothing is pending)."""
    if not history:
        return None
    last = max(history, key=lambda e: (e.on, _ORDER.index(e.stage)))
    if last.stage is Stage.CLOSED:
        return None
    if last.stage in (Stage.NOTICE_SENT, Stage.ACK_RECEIVED) and notice_deadline:
        return Deadline(
            "notice_deadline",
            notice_deadline,
            "end of the payment period of the formal notice: file the request if unpaid",
            "fin du délai de paiement de la mise en demeure : déposer la requête si impayé",
        )
    if last.stage is Stage.ORDER_GRANTED:
        return Deadline(
            "serve_order",
            add_months(last.on, SERVE_WITHIN_MONTHS),
            "serve the order within 6 months of its date, or it lapses (CPC 1411)",
            "signifier l'ordonnance dans les 6 mois de sa date, sinon elle est caduque (CPC 1411)",
        )
    if last.stage is Stage.SERVED:
        return Deadline(
            "opposition_deadline",
            add_months(last.on, OPPOSITION_MONTHS),
            "end of the debtor's one month to oppose (CPC 1416): enforcement may follow",
            "fin du délai d'opposition d'un mois (CPC 1416) : l'exécution peut suivre",
        )
    if last.stage is Stage.SMALL_CLAIMS_PROPOSED:
        return Deadline(
            "small_claims_answer",
            add_months(last.on, SMALL_CLAIMS_ANSWER_MONTHS),
            "end of the debtor's month to accept the small-claims procedure (silence = refusal)",
            "fin du mois laissé au débiteur pour accepter la procédure (silence = refus)",
        )
    if last.stage is Stage.REQUEST_FILED:
        return Deadline(
            "follow_up_request",
            last.on + timedelta(days=30),
            "no order yet 30 days after filing: ask the court registry",
            "pas d'ordonnance 30 jours après le dépôt : relancer le greffe",
        )
    return None


_ORDER = list(Stage)
