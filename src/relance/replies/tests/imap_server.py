"""A real IMAP server for the tests: Debian's Dovecot on a free loopback port.

    with Dovecot(tmp) as server:
        server.deliver(raw_bytes)          # APPEND to INBOX, unseen
        server.url                          # imap://replies:secret@127.0.0.1:PORT/INBOX?tls=none

Started from a temporary configuration (plain-text login on 127.0.0.1 only, a static
password, Maildir in the temporary folder); stopped at the end. `available()` says
whether the binary is installed (`apt-get install dovecot-imapd`); the tests skip
with that message when it is not.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from relance.channels.email.sink import free_port

BINARY = "/usr/sbin/dovecot"
USER = "replies"
PASSWORD = "s3cret-imap"


def available() -> bool:
    return os.access(BINARY, os.X_OK) or shutil.which("dovecot") is not None


class Dovecot:
    def __init__(self) -> None:
        self.port = free_port()
        # not under pytest's tmp_path: its parents are private to root, and Dovecot's
        # unprivileged processes must reach the mail folder
        self.root = Path(tempfile.mkdtemp(prefix="relance-imap-"))
        self.root.chmod(0o755)
        self.binary = BINARY if os.access(BINARY, os.X_OK) else str(shutil.which("dovecot"))

    @property
    def url(self) -> str:
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}/INBOX?tls=none"

    def _config(self) -> str:
        if os.geteuid() == 0:
            mail_user = pwd.getpwnam("nobody")
            uid, gid = mail_user.pw_uid, mail_user.pw_gid
            login_user, internal_user = "dovenull", "dovecot"
        else:  # run as the current user throughout
            uid, gid = os.getuid(), os.getgid()
            login_user = internal_user = pwd.getpwuid(uid).pw_name
        mail = self.root / "mail"
        mail.mkdir()
        if os.geteuid() == 0:
            os.chown(mail, uid, gid)
        return f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{mail}/%u
first_valid_uid = 1
default_login_user = {login_user}
default_internal_user = {internal_user}
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""

    def __enter__(self) -> Dovecot:
        (self.root / "run").mkdir()
        (self.root / "state").mkdir()
        self.conf = self.root / "dovecot.conf"
        self.conf.write_text(self._config(), encoding="utf-8")
        subprocess.run([self.binary, "-c", str(self.conf)], check=True, timeout=30)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        log = (self.root / "dovecot.log").read_text(errors="replace")
        self.__exit__(None, None, None)
        raise RuntimeError(f"Dovecot did not start on port {self.port}:\n{log}")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        subprocess.run([self.binary, "-c", str(self.conf), "stop"], check=False, timeout=30)
        time.sleep(0.2)
        shutil.rmtree(self.root, ignore_errors=True)

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        client = self.client()
        try:
            status, detail = client.append(folder, "", None, raw)
            assert status == "OK", detail
        finally:
            client.logout()

    def create(self, folder: str) -> None:
        client = self.client()
        try:
            client.create(folder)
        finally:
            client.logout()

    def flags(self, folder: str = "INBOX") -> list[tuple[str, str]]:
        """(Message-ID, flags) of every message in `folder`."""
        client = self.client()
        try:
            status, count = client.select(folder)
            if status != "OK" or count == [b"0"]:
                return []
            status, data = client.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
            found = []
            if status != "OK" or data == [None]:
                return []
            for item in data:
                if isinstance(item, tuple):
                    head, body = item
                    flags = head.decode().split("FLAGS (", 1)[1].split(")", 1)[0]
                    mid = body.decode().split(":", 1)[1].strip() if b":" in body else ""
                    found.append((mid, flags))
            return found
        finally:
            client.logout()
