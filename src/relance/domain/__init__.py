"""The domain core: pure Python (no Django), Decimal money, dates passed in."""
