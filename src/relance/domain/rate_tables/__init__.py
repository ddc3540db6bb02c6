"""Shipped rate tables (CSV data read by relance.domain.rates)."""
