from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "relance.risk"
    label = "risk"
    verbose_name = "risk"

    def ready(self) -> None:
        # Every change made through the ORM to limits, holds, orders and onboarding
        # leaves an audit event (who, when, what).
        from auditlog.registry import auditlog

        from relance.risk.models import CreditOverride, Onboarding, Order, RiskSettings

        for model in (CreditOverride, Onboarding, Order, RiskSettings):
            auditlog.register(model)
