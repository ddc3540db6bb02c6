from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "relance.accounts"
    label = "accounts"
    verbose_name = "accounts"

    def ready(self) -> None:
        # Every change made through the ORM leaves an audit event (who, when, what).
        from auditlog.registry import auditlog

        from relance.accounts.models import Membership

        for model in (Membership,):
            auditlog.register(model)
