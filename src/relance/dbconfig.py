"""Database configuration from a URL, with the SQLite settings relance relies on."""

from __future__ import annotations

from typing import Any

import environ

# WAL lets readers work while a writer commits; IMMEDIATE transactions take the
# write lock up front so two writers queue instead of failing with "database is locked".
SQLITE_INIT = (
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "PRAGMA foreign_keys=ON;"
    "PRAGMA busy_timeout=30000;"
    "PRAGMA cache_size=-65536;"
    "PRAGMA temp_store=MEMORY;"
)


def database_from_url(url: str) -> dict[str, Any]:
    """Return a Django DATABASES entry for ``url`` (sqlite:///path or postgres://…)."""
    config: dict[str, Any] = environ.Env.db_url_config(url)
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        options = config.setdefault("OPTIONS", {})
        options.setdefault("init_command", SQLITE_INIT)
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", 30)
    elif engine in ("django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"):
        config["ENGINE"] = "django.db.backends.postgresql"
        config.setdefault("CONN_MAX_AGE", 60)
        config.setdefault("CONN_HEALTH_CHECKS", True)
    return config
