"""Django settings, read only from the environment (django-environ).

Every setting a deployment may change is an environment variable documented in README.md:
DATABASE_URL, SECRET_KEY, EMAIL_URL, ALLOWED_HOSTS, TIME_ZONE, LANGUAGE, RELANCE_DATA_DIR, DEBUG,
the RELANCE_* variables below.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import environ

from relance.dbconfig import database_from_url

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent

#: Where the SQLite file, stored documents and generated files live. Default: ./var
DATA_DIR = Path(env.str("RELANCE_DATA_DIR", default=str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in DATA_DIR."""
    value = str(env.str("SECRET_KEY", default=""))
    if value:
        return value
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return str(path.read_text(encoding="utf-8").strip())


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "auditlog",
    "django_tasks",
    "django_tasks_db",
    "relance.core",
    "relance.accounts",
    "relance.creditors",
    "relance.customers",
    "relance.ledger",
    "relance.imports",
    "relance.banking",
    "relance.dunning",
    "relance.channels",
    "relance.analytics",
    "relance.legal",
    "relance.einvoice",
    "relance.risk",
    "relance.negotiation",
    "relance.replies",
    "relance.portal",
    "relance.web",
    "relance.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "relance.urls"
WSGI_APPLICATION = "relance.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "relance.web.context.relance_context",
            ],
        },
    }
]

DATABASES = {
    "default": database_from_url(
        env.str("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'relance.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failed logins (django-axes): 5 failures lock the
# username + address pair for one hour.
AXES_FAILURE_LIMIT = env.int("RELANCE_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = env.str("LANGUAGE", default="fr")
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise serves from it (and from the apps, see below)
MEDIA_ROOT = DATA_DIR / "documents"
MEDIA_URL = "documents/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="relance@localhost")
#: Which backend sends each channel, e.g. "email=email" (SMTP through EMAIL_URL); every
#: channel not listed goes to the capture backend (stored, shown in the UI, not delivered).
RELANCE_CHANNELS = env.str("RELANCE_CHANNELS", default="")
#: SMS through Brevo (RELANCE_CHANNELS="sms=brevo"): API key, API address, sender name.
RELANCE_BREVO_API_KEY = env.str("RELANCE_BREVO_API_KEY", default="")
RELANCE_BREVO_API_URL = env.str("RELANCE_BREVO_API_URL", default="https://api.brevo.com/v3/")
RELANCE_SMS_SENDER = env.str("RELANCE_SMS_SENDER", default="")
#: Delivery feedback webhooks (anymail): "user:password" of the basic auth the ESP sends.
ANYMAIL = {"WEBHOOK_SECRET": env.str("RELANCE_WEBHOOK_SECRET", default="")}
#: How long a worker's claim on an action holds before another worker may take it over.
RELANCE_OUTBOX_LEASE_SECONDS = env.int("RELANCE_OUTBOX_LEASE_SECONDS", default=600)

#: The debtor portal (docs/portal.md): its public base address as the debtors reach it (e.g.
#: https://pay.example.fr); empty, reminders carry no portal link.
RELANCE_PORTAL_URL = env.str("RELANCE_PORTAL_URL", default="").rstrip("/")
#: How many days a personal portal link stays valid after it is issued.
RELANCE_PORTAL_LINK_DAYS = env.int("RELANCE_PORTAL_LINK_DAYS", default=60)
#: Where dispute attachments are stored (never under a served folder).
RELANCE_PORTAL_UPLOAD_DIR = Path(
    env.str("RELANCE_PORTAL_UPLOAD_DIR", default=str(DATA_DIR / "portal-uploads"))
)
#: Online payment in the portal: "" (transfer only), "local" (demo and tests) or "stripe".
RELANCE_PAYMENT_PROVIDER = env.str("RELANCE_PAYMENT_PROVIDER", default="")
RELANCE_STRIPE_SECRET_KEY = env.str("RELANCE_STRIPE_SECRET_KEY", default="")
RELANCE_STRIPE_WEBHOOK_SECRET = env.str("RELANCE_STRIPE_WEBHOOK_SECRET", default="")
RELANCE_STRIPE_API_URL = env.str("RELANCE_STRIPE_API_URL", default="https://api.stripe.com/")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Content security policy: no inline script, no third-party origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

#: Largest import file accepted, in bytes (refused before parsing).
RELANCE_IMPORT_MAX_BYTES = env.int("RELANCE_IMPORT_MAX_BYTES", default=512 * 1024 * 1024)
#: Aging bucket upper bounds in days overdue (not due, 1–30, 31–60, 61–90, > 90 by default).
RELANCE_AGING_BOUNDS = [
    int(x) for x in env.list("RELANCE_AGING_BOUNDS", default=["30", "60", "90"])
]
#: Penalty conventions (docs/legal.md): each day at its half-year's rate; 366 days in leap years.
RELANCE_PENALTY_SPLIT = env.bool("RELANCE_PENALTY_SPLIT", default=True)
RELANCE_PENALTY_DIVISOR_366 = env.bool("RELANCE_PENALTY_DIVISOR_366", default=False)
#: Half-years added with `relance rates add`, merged over the rate tables shipped with relance.
RELANCE_RATES_DIR = DATA_DIR / "rates"
#: Limitation: start event (due, issue or delivery) and days of warning before the last day.
RELANCE_LIMITATION_START = env.str("RELANCE_LIMITATION_START", default="due")
RELANCE_LIMITATION_WARN_DAYS = env.int("RELANCE_LIMITATION_WARN_DAYS", default=90)
#: Risk segment → dunning policy key ("chronic_late=ferme,avoider=ferme"), see docs/risk.md.
RELANCE_RISK_SEGMENT_POLICIES = env.dict("RELANCE_RISK_SEGMENT_POLICIES", default={})
RELANCE_RISK_REGISTRY = env.str("RELANCE_RISK_REGISTRY", default="recorded")  # docs/risk.md

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

#: Debtors' replies (docs/replies.md). The mailbox polled by `relance replies poll` and the
#: worker, as imaps://user:password@host:993/INBOX (empty: no polling).
RELANCE_IMAP_URL = env.str("RELANCE_IMAP_URL", default="")
#: Seconds between two polls of that mailbox by `relance worker`.
RELANCE_IMAP_POLL_SECONDS = env.int("RELANCE_IMAP_POLL_SECONDS", default=300)
#: The creditor (id) of replies that say nothing of theirs (no reply token, not an answer to
#: a message sent, not addressed to a creditor's own address); needed with several creditors.
RELANCE_REPLIES_CREDITOR = env.int("RELANCE_REPLIES_CREDITOR", default=0)
#: Largest attachment kept with a reply, in bytes (larger ones are listed, not kept).
RELANCE_REPLY_MAX_ATTACHMENT = env.int("RELANCE_REPLY_MAX_ATTACHMENT", default=10 * 1024 * 1024)
#: Largest message read whole, in bytes: a larger one is kept by its headers only.
RELANCE_REPLY_MAX_MESSAGE = env.int("RELANCE_REPLY_MAX_MESSAGE", default=40 * 1024 * 1024)
