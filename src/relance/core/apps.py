from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "relance.core"
    label = "core"
    verbose_name = "relance"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from relance.core.collation import register

        connection_created.connect(register, dispatch_uid="relance.core.collation")
