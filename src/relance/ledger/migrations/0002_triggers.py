"""Triggers keeping allocated_minor equal to the sum of allocations (see relance.ledger.triggers)."""

from django.db import migrations

from relance.ledger import triggers


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(triggers.create, triggers.drop)]
