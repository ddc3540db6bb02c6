"""Shared pieces of the Django layer: base models, amount columns, audit helpers."""
