"""Files the debtor sends with a dispute: checked by content, stored outside the web root.

    check(name, content) -> Checked          (BadInput with the reason otherwise)
    store(checked) -> str                     (the stored name, random)
    path_of(stored_name) -> Path

Accepted: PDF, PNG and JPEG, MAX_BYTES each, MAX_FILES per request. The type is read from
the first bytes of the content (the file's signature) and must agree with the name's
extension: a renamed executable, an HTML page called .pdf or a PDF called .png is refused.
A PDF must also end with its end-of-file marker. Files are written under
RELANCE_PORTAL_UPLOAD_DIR (default $RELANCE_DATA_DIR/portal-uploads, outside STATIC_ROOT
and never served by a URL of its own) under a random name, readable by the owner only;
staff download them through an access-checked view.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from relance.core.errors import BadInput

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 3

#: content type → (signature at offset 0, extensions)
TYPES: dict[str, tuple[bytes, tuple[str, ...]]] = {
    "application/pdf": (b"%PDF-", (".pdf",)),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
}


@dataclass(frozen=True, slots=True)
class Checked:
    name: str
    content: bytes
    content_type: str
    extension: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def sniff(content: bytes) -> str | None:
    for content_type, (magic, _ext) in TYPES.items():
        if content.startswith(magic):
            return content_type
    return None


def check(name: str, content: bytes) -> Checked:
    shown = Path(name).name[:100] or "file"
    if not content:
        raise BadInput(_("attachments: “%(name)s” is empty.") % {"name": shown})
    if len(content) > MAX_BYTES:
        raise BadInput(
            _("attachments: “%(name)s” is larger than %(size)s MB.")
            % {"name": shown, "size": MAX_BYTES // (1024 * 1024)}
        )
    content_type = sniff(content)
    extension = Path(shown).suffix.lower()
    if content_type is None:
        raise BadInput(
            _("attachments: “%(name)s” is not a PDF, PNG or JPEG file.") % {"name": shown}
        )
    if extension not in TYPES[content_type][1]:
        raise BadInput(
            _("attachments: the content of “%(name)s” does not match its extension.")
            % {"name": shown}
        )
    if content_type == "application/pdf" and b"%%EOF" not in content[-1024:]:
        raise BadInput(_("attachments: “%(name)s” is not a complete PDF.") % {"name": shown})
    return Checked(shown, content, content_type, extension)


def upload_dir() -> Path:
    return Path(settings.RELANCE_PORTAL_UPLOAD_DIR)


def store(checked: Checked) -> str:
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored = f"{secrets.token_hex(16)}{checked.extension}"
    fd = os.open(folder / stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(checked.content)
    return stored


def path_of(stored_name: str) -> Path:
    if "/" in stored_name or "\\" in stored_name or stored_name.startswith("."):
        raise ValueError(f"not a stored attachment name: {stored_name!r}")
    return upload_dir() / stored_name


def discard(stored_names: list[str]) -> None:
    for stored in stored_names:
        path_of(stored).unlink(missing_ok=True)
