"""Customers (debtors) and their contacts."""
