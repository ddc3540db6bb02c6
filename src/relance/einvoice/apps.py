from django.apps import AppConfig


class EInvoiceConfig(AppConfig):
    name = "relance.einvoice"
    label = "einvoice"
    verbose_name = "e-invoicing"

    def ready(self) -> None:
        # Every change made through the ORM leaves an audit event (who, when, what).
        from auditlog.registry import auditlog

        from relance.einvoice.models import LifecycleEvent

        auditlog.register(LifecycleEvent)
