"""A throw-away Dovecot IMAP server for the email tests and the email bench.

Debian's `dovecot-imapd` (scripts/system-packages.sh installs it) is started in the foreground
with a configuration written into a fresh temporary folder: it listens on 127.0.0.1 on a free
port, without TLS, with one user from a passwd-file and a Maildir in that folder. Dovecot
refuses to run its login processes or a mail user as root, so the login processes run as its
packaged `dovenull` and `dovecot` users and the mail user is `nobody`, owning the Maildir.
Messages are delivered with IMAP APPEND, as a mail client or an MDA would.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient  # type: ignore[import-untyped]  # ships no py.typed

DOVECOT = Path("/usr/sbin/dovecot")
USERNAME = "support"
PASSWORD = "imap-test-password"  # a throw-away account on a loopback-only server
LOOPBACK = "127.0.0.1"

CONFIG = """\
protocols = imap
listen = {host}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_login_user = {login_user}
default_internal_user = {internal_user}
mail_location = maildir:{root}/mail/%u
mail_uid = {mail_uid}
mail_gid = {mail_gid}
mail_fsync = never
imap_idle_notify_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _user(*names: str) -> pwd.struct_passwd:
    for name in names:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError(f"none of the users {names} exists")


@dataclass
class ImapServer:
    """One running Dovecot; `client()` logs in as the test user."""

    host: str
    port: int
    root: Path
    process: subprocess.Popen[bytes]

    @property
    def config(self) -> dict[str, object]:
        """The `imap` block of an email inbox's configuration for this server."""
        return {
            "host": self.host,
            "port": self.port,
            "username": USERNAME,
            "password": PASSWORD,
            "security": "none",
            "folder": "INBOX",
            "mark_seen": True,
        }

    def client(self) -> IMAPClient:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=30)
        client.login(USERNAME, PASSWORD)
        return client

    def deliver(self, messages: Iterable[bytes], folder: str = "INBOX", seen: bool = False) -> None:
        """APPEND the messages in order (so UIDs follow that order), 100 per command; the folder
        is created when missing."""
        flags = [b"\\Seen"] if seen else []
        client = self.client()
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            batch: list[bytes] = []
            for raw in messages:
                batch.append(raw)
                if len(batch) == 100:
                    client.multiappend(folder, [{"msg": m, "flags": flags} for m in batch])
                    batch = []
            if batch:
                client.multiappend(folder, [{"msg": m, "flags": flags} for m in batch])
        finally:
            client.logout()

    def flags(self, folder: str = "INBOX") -> dict[int, set[bytes]]:
        """UID → flags of every message in the folder."""
        client = self.client()
        try:
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            fetched = client.fetch(uids, ["FLAGS"]) if uids else {}
            return {int(uid): set(data[b"FLAGS"]) - {b"\\Recent"} for uid, data in fetched.items()}
        finally:
            client.logout()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        shutil.rmtree(self.root, ignore_errors=True)


def start(timeout: float = 15.0) -> ImapServer:
    """Write a configuration into a new temporary folder, start Dovecot, wait for its port."""
    if not DOVECOT.exists():
        raise RuntimeError("Dovecot is missing: run scripts/system-packages.sh")
    # Not under pytest's tmp_path: that one is private to root, and the mail user is not root.
    root = Path(tempfile.mkdtemp(prefix="atiende-dovecot-"))
    root.chmod(0o755)
    mail_user = _user("nobody")
    port = free_port()
    (root / "dovecot.conf").write_text(
        CONFIG.format(
            host=LOOPBACK,
            port=port,
            root=root,
            login_user=_user("dovenull", "nobody").pw_name,
            internal_user=_user("dovecot", "nobody").pw_name,
            mail_uid=mail_user.pw_uid,
            mail_gid=mail_user.pw_gid,
        )
    )
    (root / "users").write_text(f"{USERNAME}:{{PLAIN}}{PASSWORD}\n")
    for name in ("run", "state", "mail", "home"):
        (root / name).mkdir()
    for name in ("mail", "home"):
        os.chown(root / name, mail_user.pw_uid, mail_user.pw_gid)
    process = subprocess.Popen(
        [str(DOVECOT), "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = ImapServer(host=LOOPBACK, port=port, root=root, process=process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = server.log()
            server.stop()
            raise RuntimeError(f"dovecot exited with {process.returncode}:\n{log}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((LOOPBACK, port)) == 0:
                return server
        time.sleep(0.05)
    log = server.log()
    server.stop()
    raise RuntimeError(f"dovecot did not listen on {port} within {timeout}s:\n{log}")


@contextlib.contextmanager
def running() -> Iterator[ImapServer]:
    server = start()
    try:
        yield server
    finally:
        server.stop()


def message(
    n: int,
    *,
    sender: str = "",
    subject: str = "",
    references: tuple[str, ...] = (),
    domain: str = "customers.example",
    body: str = "",
) -> bytes:
    """A small, distinct RFC 5322 message: Message-ID `<n.imap-test@domain>`."""
    sender = sender or f"customer{n % 97}@{domain}"
    lines = [
        f"From: Customer {n % 97} <{sender}>",
        "To: support@atiende.example",
        f"Subject: {subject or f'Order {n} did not arrive'}",
        f"Date: Mon, 23 Nov 2026 10:{n // 60 % 60:02d}:{n % 60:02d} +0000",
        f"Message-ID: <{n}.imap-test@{domain}>",
    ]
    if references:
        lines.append(f"In-Reply-To: {references[-1]}")
        lines.append(f"References: {' '.join(references)}")
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", ""]
    lines.append(body or f"Hello, this is message number {n}. My order has not arrived yet.")
    return ("\r\n".join(lines) + "\r\n").encode()
