"""A real IMAP and POP3 server for the bounce mailbox tests: Debian's dovecot, in a directory of its own.

It listens on loopback only, on four free ports (IMAP, IMAPS, POP3, POP3S), with its own config,
state, log and a passwd-file user, and a self-signed certificate for the TLS ports. As root it
serves mail as the `dovecot` system user; otherwise as whoever runs the tests.
"""

from __future__ import annotations

import datetime as dt
import getpass
import grp
import imaplib
import ipaddress
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.config import MailboxSettings

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else "")
USER, PASSWORD = "bounces", "bounce-box-secret"
START_SECONDS = 15


def unavailable_reason() -> str | None:
    if not DOVECOT:
        return "dovecot is not installed (run `make mailtools` as root, or apt-get install dovecot-imapd dovecot-pop3d)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("dovecot")
            pwd.getpwnam("dovenull")
        except KeyError:
            return "dovecot's system users (dovecot, dovenull) are missing: reinstall dovecot-core"
    return None


def free_ports(count: int) -> list[int]:
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class Dovecot:
    def __init__(self) -> None:
        # Not under pytest's tmp dir: that is private to root, and dovecot's own users must get in.
        self.directory = Path(tempfile.mkdtemp(prefix="cc-dovecot-"))
        self.directory.chmod(0o755)
        self.imap_port, self.imaps_port, self.pop3_port, self.pop3s_port = free_ports(4)
        self.cert, self.key = self_signed_certificate(self.directory)
        self.process: subprocess.Popen[bytes] | None = None

    # ------------------------------------------------------------------------------------------ life

    def start(self) -> Dovecot:
        root = os.geteuid() == 0
        internal, login = ("dovecot", "dovenull") if root else (getpass.getuser(), getpass.getuser())
        mail_user = pwd.getpwnam(internal)
        for sub in ("mail", "home"):
            (self.directory / sub).mkdir()
            os.chown(self.directory / sub, mail_user.pw_uid, mail_user.pw_gid)
        (self.directory / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        for path in (self.directory / "users", self.key):
            path.chmod(0o644)  # read by dovecot's unprivileged processes; a throw-away test secret
        config = self.directory / "dovecot.conf"
        config.write_text(self._config(internal, login, mail_user.pw_uid, grp.getgrgid(mail_user.pw_gid).gr_name))
        with (self.directory / "stdout.log").open("wb") as log:  # the child keeps its own copy of the handle
            self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_listening()
        return self

    def _config(self, internal: str, login: str, uid: int, group: str) -> str:
        d = self.directory
        return f"""
protocols = imap pop3
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
instance_name = cc-dovecot-{os.getpid()}-{self.imap_port}
log_path = {d}/dovecot.log
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{self.key}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = 1
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {login}
mail_location = maildir:{d}/mail/%u
pop3_uidl_format = %08Xu%08Xv
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={group} home={d}/home/%u
}}
# No penalty after a test's deliberate wrong password (anvil would slow every later sign-in).
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = {self.imaps_port}
    ssl = yes
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {self.pop3_port}
  }}
  inet_listener pop3s {{
    port = {self.pop3s_port}
    ssl = yes
  }}
}}
"""

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot stopped at start-up: {self.log()}")
            try:
                for port in (self.imap_port, self.pop3s_port):
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)  # waiting for a server process to come up, not for test time
        raise RuntimeError(f"dovecot did not listen within {START_SECONDS} s: {self.log()}")

    def log(self) -> str:
        parts = [p.read_text(errors="replace")[-2000:] for p in self.directory.glob("*.log") if p.is_file()]
        return "\n".join(parts)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)

    # ------------------------------------------------------------------------------------------ use

    def settings(self, protocol: str, *, tls: bool = False, password: str = PASSWORD) -> MailboxSettings:
        ports = {("imap", False): self.imap_port, ("imap", True): self.imaps_port,
                 ("pop3", False): self.pop3_port, ("pop3", True): self.pop3s_port}  # fmt: skip
        return MailboxSettings(protocol, tls, "127.0.0.1", ports[(protocol, tls)], USER, password)

    def url(self, protocol: str) -> str:
        box = self.settings(protocol)
        return f"{protocol}://{USER}:{PASSWORD}@127.0.0.1:{box.port}/"

    def client_tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def _imap(self) -> imaplib.IMAP4:
        connection = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=10)
        connection.login(USER, PASSWORD)
        return connection

    def deliver(self, *messages: bytes) -> None:
        """Put messages in the inbox (IMAP APPEND), as a mail server delivering them would."""
        connection = self._imap()
        try:
            for message in messages:
                status, data = connection.append("INBOX", None, None, message)
                assert status == "OK", data
        finally:
            connection.logout()

    def inbox(self) -> list[bytes]:
        connection = self._imap()
        try:
            connection.select("INBOX")
            _status, data = connection.search(None, "ALL")
            found: list[bytes] = []
            for number in data[0].split():
                _status, parts = connection.fetch(number, "(BODY.PEEK[])")
                found.extend(part[1] for part in parts if isinstance(part, tuple))
            return found
        finally:
            connection.logout()

    def empty(self) -> None:
        connection = self._imap()
        try:
            _status, data = connection.select("INBOX")
            if data and data[0] not in (None, b"0"):
                connection.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
                connection.expunge()
        finally:
            connection.logout()
