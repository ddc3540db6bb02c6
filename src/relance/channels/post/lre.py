"""Electronic registered letter (lettre recommandée électronique, LRE).

An LRE provider must be a qualified trust service provider (eIDAS, art. 44; Code des postes
et des communications électroniques, L100) and identify the recipient before delivery;
relance has no such provider yet. The interface is the postal one
(relance.channels.post.base.PostalProvider): a provider id and a tracking reference for
each submission. Choosing `registered_letter=lre` stops the worker with this message rather
than posting nothing.
"""

from __future__ import annotations

from typing import NoReturn

from relance.channels.base import ChannelConfigError

NOT_AVAILABLE = (
    "RELANCE_CHANNELS: registered_letter=lre — the electronic registered letter (LRE) is "
    "not available yet: no qualified LRE provider is integrated. Use registered_letter=capture "
    "and post the letter yourself."
)


def unavailable_lre() -> NoReturn:
    raise ChannelConfigError(NOT_AVAILABLE)
