"""The demo portfolio: a realistic French creditor with about 200 customers."""
