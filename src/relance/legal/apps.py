from django.apps import AppConfig


class LegalConfig(AppConfig):
    name = "relance.legal"
    label = "legal"
    verbose_name = "legal"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from relance.legal.models import LegalCase, LegalEvent

        for model in (LegalCase, LegalEvent):
            auditlog.register(model)
