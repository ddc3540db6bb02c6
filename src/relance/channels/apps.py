from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "relance.channels"
    label = "channels"
    verbose_name = "channels"

    def ready(self) -> None:
        # Every change made through the ORM leaves an audit event (who, when, what).
        from auditlog.registry import auditlog

        from relance.channels.models import ContactRuleSettings, RegisteredMail, SenderIdentity

        for model in (ContactRuleSettings, RegisteredMail, SenderIdentity):
            auditlog.register(model)
