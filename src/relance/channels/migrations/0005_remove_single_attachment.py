"""New archive rows hash every attachment (hash_version 2); the single-attachment columns go."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0004_correspondence_attachments"),
    ]

    operations = [
        migrations.AlterField(
            model_name="correspondence",
            name="hash_version",
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.RemoveField(
            model_name="correspondence",
            name="attachment",
        ),
        migrations.RemoveField(
            model_name="correspondence",
            name="attachment_name",
        ),
    ]
