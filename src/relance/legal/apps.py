from django.apps import AppConfig


class LegalConfig(AppConfig):
    name = "relance.legal"
    label = "legal"
    verbose_name = "legal"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from relance.legal.models import FormalNotice, LegalCase, LegalEvent, PenaltyInvoice

        auditlog.register(LegalCase)
        # binary documents cannot be diffed as text (a real PDF is not UTF-8)
        auditlog.register(LegalEvent, exclude_fields=["document"])
        auditlog.register(PenaltyInvoice, exclude_fields=["pdf"])
        auditlog.register(FormalNotice, exclude_fields=["pdf", "receipt"])
