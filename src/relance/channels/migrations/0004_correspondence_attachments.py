"""Every attachment of an archived message in its own row (CorrespondenceAttachment).

The rows archived before keep their hash as it was computed (hash_version 1: the bytes of
their one attachment); their attachment is copied to the new table with its own SHA-256.
The old columns are removed in 0005, in a transaction of its own (PostgreSQL refuses to
alter a table with pending foreign-key checks from the copy).
"""

import hashlib

import django.db.models.deletion
from django.db import migrations, models


def copy_attachments(apps, schema_editor):
    Correspondence = apps.get_model("channels", "Correspondence")
    Attachment = apps.get_model("channels", "CorrespondenceAttachment")
    rows = (
        Correspondence.objects.filter(attachment__isnull=False)
        .values_list("pk", "attachment_name", "attachment")
        .order_by("pk")
    )
    batch = []
    for pk, name, blob in rows.iterator(chunk_size=200):
        content = bytes(blob)
        if not content:
            continue
        batch.append(
            Attachment(
                correspondence_id=pk,
                position=1,
                filename=name or "attachment.pdf",
                mimetype="application/pdf"
                if content.startswith(b"%PDF")
                else "application/octet-stream",
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
            )
        )
        if len(batch) >= 200:
            Attachment.objects.bulk_create(batch)
            batch = []
    if batch:
        Attachment.objects.bulk_create(batch)


def restore_attachments(apps, schema_editor):
    Correspondence = apps.get_model("channels", "Correspondence")
    Attachment = apps.get_model("channels", "CorrespondenceAttachment")
    for att in Attachment.objects.filter(position=1).iterator(chunk_size=200):
        Correspondence.objects.filter(pk=att.correspondence_id).update(
            attachment_name=att.filename, attachment=att.content
        )
    Attachment.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0003_tracking_feedback_settings"),
    ]

    operations = [
        migrations.AddField(
            model_name="correspondence",
            name="hash_version",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.CreateModel(
            name="CorrespondenceAttachment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField()),
                ("filename", models.CharField(max_length=200)),
                ("mimetype", models.CharField(max_length=100)),
                ("content", models.BinaryField()),
                ("sha256", models.CharField(max_length=64)),
                (
                    "correspondence",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="attachments",
                        to="channels.correspondence",
                    ),
                ),
            ],
            options={
                "ordering": ["correspondence", "position"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("correspondence", "position"),
                        name="correspondence_attachment_position",
                    )
                ],
            },
        ),
        migrations.RunPython(copy_attachments, restore_attachments),
    ]
