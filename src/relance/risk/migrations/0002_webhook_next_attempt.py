"""Hold webhooks retried on a schedule: each delivery knows when its next attempt is due.

Deliveries not delivered yet, with attempts left, are due at once (the worker's task
takes them); those that used their 10 attempts stay given up.
"""

from django.db import migrations, models
from django.db.models import Count, F


def schedule_pending(apps, schema_editor):
    WebhookDelivery = apps.get_model("risk", "WebhookDelivery")
    pending = (
        WebhookDelivery.objects.filter(delivered_at__isnull=True)
        .annotate(tried=Count("attempts"))
        .filter(tried__lt=10)
        .values_list("pk", flat=True)
    )
    WebhookDelivery.objects.filter(pk__in=list(pending)).update(next_attempt_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookdelivery",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="webhookdelivery",
            index=models.Index(
                condition=models.Q(("next_attempt_at__isnull", False)),
                fields=["next_attempt_at"],
                name="webhook_next_attempt_idx",
            ),
        ),
        migrations.RunPython(schedule_pending, migrations.RunPython.noop),
    ]
