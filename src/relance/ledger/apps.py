from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "relance.ledger"
    label = "ledger"
    verbose_name = "ledger"

    def ready(self) -> None:
        # Every change made through the ORM leaves an audit event (who, when, what).
        from auditlog.registry import auditlog

        from relance.ledger.models import Allocation, CreditNote, Invoice, Payment

        for model in (
            Invoice,
            CreditNote,
            Payment,
            Allocation,
        ):
            auditlog.register(model)
