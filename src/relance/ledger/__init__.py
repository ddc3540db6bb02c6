"""The ledger: invoices, credit notes, payments and the allocations between them."""
