from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "relance.banking"
    label = "banking"
    verbose_name = "banking"

    def ready(self) -> None:
        # Accounts, statements and status changes of lines leave an audit event.
        from auditlog.registry import auditlog

        from relance.banking.models import BankAccount, BankLine, BankStatement

        for model in (BankAccount, BankStatement, BankLine):
            auditlog.register(model)
