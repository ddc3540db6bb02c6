from django.apps import AppConfig


class LegalConfig(AppConfig):
    name = "relance.legal"
    label = "legal"
    verbose_name = "legal"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from relance.legal.models import FormalNotice, LegalCase, LegalEvent, PenaltyInvoice

        for model in (LegalCase, LegalEvent):
            auditlog.register(model)
        auditlog.register(PenaltyInvoice, exclude_fields=["pdf"])
        auditlog.register(FormalNotice, exclude_fields=["pdf", "receipt"])
