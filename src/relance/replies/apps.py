from django.apps import AppConfig


class RepliesConfig(AppConfig):
    name = "relance.replies"
    label = "replies"
    verbose_name = "replies"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from relance.replies.models import Reply

        # the text and the raw message never change: only the handling is audited
        auditlog.register(
            Reply,
            include_fields=[
                "customer",
                "status",
                "classification",
                "fields",
                "note",
                "handled_by",
                "handled_at",
                "match_method",
            ],
        )
