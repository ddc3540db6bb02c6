"""Every attachment of a captured message in its own row (CapturedAttachment).

The messages captured before kept only their first attachment: it is copied to the new
table as position 1. The old columns are removed in 0008, in a transaction of its own
(PostgreSQL refuses to alter a table with pending foreign-key checks from the copy).
"""

import mimetypes

import django.db.models.deletion
from django.db import migrations, models


def _content_type(name: str, content: bytes) -> str:
    if content.startswith(b"%PDF"):
        return "application/pdf"
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def copy_attachments(apps, schema_editor):
    Message = apps.get_model("channels", "CapturedMessage")
    Attachment = apps.get_model("channels", "CapturedAttachment")
    rows = (
        Message.objects.filter(attachment__isnull=False)
        .values_list("pk", "attachment_name", "attachment")
        .order_by("pk")
    )
    batch = []
    for pk, name, blob in rows.iterator(chunk_size=200):
        content = bytes(blob)
        if not content:
            continue
        name = name or "attachment.pdf"
        batch.append(
            Attachment(
                message_id=pk,
                position=1,
                filename=name,
                content_type=_content_type(name, content),
                content=content,
                size=len(content),
            )
        )
        if len(batch) >= 200:
            Attachment.objects.bulk_create(batch)
            batch = []
    if batch:
        Attachment.objects.bulk_create(batch)


def restore_attachments(apps, schema_editor):
    """Back to one attachment per message: the first is kept, the others are lost."""
    Message = apps.get_model("channels", "CapturedMessage")
    Attachment = apps.get_model("channels", "CapturedAttachment")
    for att in Attachment.objects.filter(position=1).iterator(chunk_size=200):
        Message.objects.filter(pk=att.message_id).update(
            attachment_name=att.filename, attachment=att.content
        )
    Attachment.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0006_sender_identity_reply_address"),
    ]

    operations = [
        migrations.CreateModel(
            name="CapturedAttachment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField()),
                ("filename", models.CharField(max_length=200)),
                ("content_type", models.CharField(max_length=100)),
                ("content", models.BinaryField()),
                ("size", models.PositiveIntegerField()),
                (
                    "message",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attachments",
                        to="channels.capturedmessage",
                    ),
                ),
            ],
            options={
                "ordering": ["message", "position"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("message", "position"), name="captured_attachment_position"
                    )
                ],
            },
        ),
        migrations.RunPython(copy_attachments, restore_attachments),
    ]
