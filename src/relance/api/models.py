"""API tokens: a key for one user at one creditor.

Only a prefix (to find and show the token) and the SHA-256 hash of the secret
are stored; the full token is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_MARK = "rl"  # noqa: S105 - the visible mark of relance tokens, not a secret


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def split_token(token: str) -> tuple[str, str] | None:
    """(prefix, secret) of a token written "rl_<prefix>_<secret>", or None."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_MARK or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self, now: datetime | None = None) -> ApiTokenQuerySet:
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    creditor = models.ForeignKey(
        "creditors.Creditor", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{TOKEN_MARK}_{self.prefix}… ({self.name or self.user})"

    @classmethod
    def issue(
        cls,
        user: object,
        creditor_id: int,
        name: str = "",
        expires_days: int | None = None,
    ) -> tuple[ApiToken, str]:
        """Create a token; return it with the full secret text (shown once, never stored)."""
        prefix = secrets.token_hex(5)
        while cls.objects.filter(prefix=prefix).exists():  # pragma: no cover - 2**40 space
            prefix = secrets.token_hex(5)
        secret = secrets.token_urlsafe(32)
        expires_at = timezone.now() + timedelta(days=expires_days) if expires_days else None
        token = cls.objects.create(
            user=user,
            creditor_id=creditor_id,
            name=name,
            prefix=prefix,
            key_hash=hash_secret(secret),
            expires_at=expires_at,
        )
        return token, f"{TOKEN_MARK}_{prefix}_{secret}"

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.key_hash, hash_secret(secret))

    def is_active(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
