"""Settings for the test suite.

SQLite by default (a file in a temporary folder, so WAL and triggers behave as in
production); PostgreSQL when RELANCE_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import tempfile

_data_dir = tempfile.mkdtemp(prefix="relance-test-")
os.environ.setdefault("RELANCE_DATA_DIR", _data_dir)
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("EMAIL_URL", "smtp://127.0.0.1:1025")

from relance.dbconfig import database_from_url  # noqa: E402
from relance.settings import *  # noqa: E402,F403

_test_url = os.environ.get("RELANCE_TEST_DATABASE_URL")
if _test_url:
    DATABASES = {"default": database_from_url(_test_url)}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES = {"default": database_from_url(f"sqlite:///{_data_dir}/relance.sqlite3")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only in tests
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"
