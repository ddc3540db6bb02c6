"""A captured message's attachments are all in CapturedAttachment: the single-attachment
columns go."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0007_captured_attachments"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="capturedmessage",
            name="attachment",
        ),
        migrations.RemoveField(
            model_name="capturedmessage",
            name="attachment_name",
        ),
    ]
