"""Rate limits of the portal, counted in the database (no cache server in default mode).

    allow(key, limit, window, now) -> bool

A fixed window per key: the first request of a window creates its row, the others add one
to it in the same statement (`count = count + 1`), so concurrent workers count exactly.
When a window opens, the rows of windows ended a day ago or more are deleted (an indexed
delete), so the table holds about one day of keys.

The portal counts every request per link and per client address, and failed link lookups
per address (LIMITS below); a request over a limit gets 429 and changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from relance.portal.models import RateCounter

#: (requests, seconds) per kind of key
LIMITS: dict[str, tuple[int, int]] = {
    "link": (120, 600),  # every request made with one link
    "ip": (300, 600),  # every portal request from one address
    "refused": (20, 600),  # links refused (malformed, unknown, tampered, expired) per address
    "code": (5, 3600),  # codes sent for one link
    "post": (30, 600),  # forms posted with one link
}


def _window_start(now: datetime, seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


def hit(key: str, seconds: int, now: datetime | None = None) -> int:
    """Count one request for `key` in the current window; returns the count so far."""
    now = now or timezone.now()
    start = _window_start(now, seconds)
    with transaction.atomic():
        updated = RateCounter.objects.filter(key=key, window_start=start).update(
            count=F("count") + 1
        )
        if not updated:
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, window_start=start, count=1)
                RateCounter.objects.filter(window_start__lt=now - timedelta(days=1)).delete()
                return 1
            except IntegrityError:  # created meanwhile by another request
                RateCounter.objects.filter(key=key, window_start=start).update(count=F("count") + 1)
        return int(
            RateCounter.objects.filter(key=key, window_start=start).values_list("count", flat=True)[
                0
            ]
        )


def allow(kind: str, ident: str, now: datetime | None = None) -> bool:
    """Count one request of `kind` for `ident`; False once over the limit of LIMITS[kind]."""
    limit, seconds = LIMITS[kind]
    return hit(f"{kind}:{ident}", seconds, now) <= limit


def peek(kind: str, ident: str, now: datetime | None = None) -> int:
    """How many requests of `kind` `ident` made in the current window (nothing counted)."""
    _limit, seconds = LIMITS[kind]
    start = _window_start(now or timezone.now(), seconds)
    found = RateCounter.objects.filter(key=f"{kind}:{ident}", window_start=start).first()
    return found.count if found is not None else 0
