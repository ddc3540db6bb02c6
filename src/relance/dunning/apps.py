from django.apps import AppConfig


class DunningConfig(AppConfig):
    name = "relance.dunning"
    label = "dunning"
    verbose_name = "dunning"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from relance.dunning.models import (
            Pause,
            Policy,
            PolicyAssignment,
            PolicyStep,
            SendingSettings,
        )

        for model in (Policy, PolicyStep, PolicyAssignment, Pause, SendingSettings):
            auditlog.register(model)
