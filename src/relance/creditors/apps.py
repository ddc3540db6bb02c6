from django.apps import AppConfig


class CreditorsConfig(AppConfig):
    name = "relance.creditors"
    label = "creditors"
    verbose_name = "creditors"

    def ready(self) -> None:
        # Every change made through the ORM leaves an audit event (who, when, what).
        from auditlog.registry import auditlog

        from relance.creditors.models import Creditor

        for model in (Creditor,):
            auditlog.register(model)
