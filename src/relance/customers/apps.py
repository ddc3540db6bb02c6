from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "relance.customers"
    label = "customers"
    verbose_name = "customers"

    def ready(self) -> None:
        # Every change made through the ORM leaves an audit event (who, when, what).
        from auditlog.registry import auditlog

        from relance.customers.models import Contact, Customer

        for model in (
            Customer,
            Contact,
        ):
            auditlog.register(model)
