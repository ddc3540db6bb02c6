"""Electronic invoices: reading Factur-X / ZUGFeRD / CII / UBL, importing them, lifecycle statuses.

`readers/` is pure Python (no Django): bytes in, a `relance.domain.einvoice.EInvoice` out.
The rest of the app is Django: the import service, `LifecycleEvent` and its effects.
"""
