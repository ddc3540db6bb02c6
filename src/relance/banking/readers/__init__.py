"""Bank statement readers: bytes of a file → `relance.domain.statements.Statement`s.

One module per format (camt, ofx, cfonb, csvfile), one error type
(`base.StatementError`), a registry from kind to reader (`registry`).
"""
