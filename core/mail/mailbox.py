"""A mailbox to read and empty, over IMAP or POP3 (the standard library's imaplib and poplib).

Three things are asked of a mailbox: which messages it holds (a stable id and the size, so a
huge message is never downloaded), one message's bytes, and removing the ones dealt with.
Every failure to reach or use the mailbox is a MailboxError with one line saying what failed.
"""

from __future__ import annotations

import imaplib
import poplib
import re
import socket
import ssl
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from core.config import MailboxSettings

IMAP_SIZE = re.compile(rb"UID (\d+) RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+) UID (\d+)")


class MailboxError(Exception):
    """The mailbox could not be reached or read: connection refused, wrong password, no such folder."""


class MessageFetchError(MailboxError):
    """One message could not be fetched; the session may be unusable after it."""


@dataclass(frozen=True)
class MailboxEntry:
    uid: str  # stable across sessions: UIDVALIDITY:UID for IMAP, the UIDL for POP3
    size: int


class Mailbox(ABC):
    @abstractmethod
    def entries(self) -> list[MailboxEntry]: ...

    def fetch(self, uid: str) -> bytes:
        try:
            return self._fetch(uid)
        except (OSError, imaplib.IMAP4.error, poplib.error_proto, KeyError) as error:
            raise MessageFetchError(f"message {uid} could not be fetched: {_why(error)}") from error

    @abstractmethod
    def _fetch(self, uid: str) -> bytes: ...

    @abstractmethod
    def remove(self, uids: Sequence[str]) -> None:
        """Delete these messages (they take effect when the session ends cleanly)."""

    @abstractmethod
    def close(self) -> None: ...


@contextmanager
def open_mailbox(
    settings: MailboxSettings, *, ssl_context: ssl.SSLContext | None = None, timeout: float = 30
) -> Iterator[Mailbox]:
    """A signed-in mailbox; closed (and removals committed) when the block ends."""
    context = ssl_context or ssl.create_default_context()
    try:
        mailbox: Mailbox = (
            _Imap(settings, context, timeout) if settings.protocol == "imap" else _Pop3(settings, context, timeout)
        )
    except (OSError, imaplib.IMAP4.error, poplib.error_proto) as error:
        raise MailboxError(f"{settings.label}: {_why(error)}") from error
    try:
        yield mailbox
        mailbox.close()
    except (OSError, imaplib.IMAP4.error, poplib.error_proto) as error:
        raise MailboxError(f"{settings.label}: {_why(error)}") from error
    finally:
        with suppress(Exception):
            mailbox.close()


def _why(error: BaseException) -> str:
    """One line a person can act on: what the server said, or why it could not be reached."""
    text = error.args[0] if error.args else ""
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text or error)
    if isinstance(error, imaplib.IMAP4.error):
        return f"the IMAP server said: {text}"
    if isinstance(error, poplib.error_proto):
        return f"the POP3 server said: {text}"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed: {error.reason or error}"
    if isinstance(error, TimeoutError | socket.timeout):
        return "no answer (timed out)"
    if isinstance(error, OSError) and error.strerror:
        return f"cannot connect: {error.strerror}"
    return f"{type(error).__name__}: {text}"


class _Imap(Mailbox):
    def __init__(self, settings: MailboxSettings, context: ssl.SSLContext, timeout: float) -> None:
        if settings.tls:
            self.connection: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                settings.host, settings.port, ssl_context=context, timeout=timeout
            )
        else:
            self.connection = imaplib.IMAP4(settings.host, settings.port, timeout=timeout)
        self.closed = False
        try:
            self.connection.login(settings.user, settings.password)
            status, data = self.connection.select(_quoted(settings.folder))
            if status != "OK":
                raise imaplib.IMAP4.error(f"cannot open the folder {settings.folder!r}: {_text(data)}")
            self.count = int(data[0] or 0) if data and isinstance(data[0], bytes) else 0
            validity = self.connection.response("UIDVALIDITY")[1]
            self.validity = _text(validity) or "0"
        except BaseException:
            with suppress(Exception):
                self.connection.logout()
            raise

    def entries(self) -> list[MailboxEntry]:
        if not self.count:
            return []
        status, data = self.connection.uid("FETCH", "1:*", "(RFC822.SIZE)")
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot list the messages: {_text(data)}")
        found = []
        for line in data:
            match = IMAP_SIZE.search(line if isinstance(line, bytes) else b"")
            if match:
                uid, size = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
                found.append(MailboxEntry(f"{self.validity}:{int(uid)}", int(size)))
        return found

    def _fetch(self, uid: str) -> bytes:
        status, data = self.connection.uid("FETCH", self._uid(uid), "(BODY.PEEK[])")
        for item in data if status == "OK" else []:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                return item[1]
        raise imaplib.IMAP4.error(f"message {uid} could not be fetched: {status}")

    def remove(self, uids: Sequence[str]) -> None:
        if not uids:
            return
        status, data = self.connection.uid(
            "STORE", ",".join(self._uid(u) for u in uids), "+FLAGS.SILENT", r"(\Deleted)"
        )
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot delete messages: {_text(data)}")
        self.connection.expunge()

    def _uid(self, uid: str) -> str:
        validity, _, number = uid.partition(":")
        if validity != self.validity or not number.isdigit():
            raise imaplib.IMAP4.error(f"message {uid} is not from this mailbox session (UIDVALIDITY changed)")
        return number

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.connection.close()
        self.connection.logout()


class _Pop3(Mailbox):
    def __init__(self, settings: MailboxSettings, context: ssl.SSLContext, timeout: float) -> None:
        if settings.tls:
            self.connection: poplib.POP3 = poplib.POP3_SSL(
                settings.host, settings.port, timeout=timeout, context=context
            )
        else:
            self.connection = poplib.POP3(settings.host, settings.port, timeout=timeout)
        self.closed = False
        try:
            self.connection.user(settings.user)
            self.connection.pass_(settings.password)
        except BaseException:
            with suppress(Exception):
                self.connection.close()
            raise
        self.numbers: dict[str, int] = {}

    def entries(self) -> list[MailboxEntry]:
        sizes = {}
        for listed in self.connection.list()[1]:
            number, _, size = listed.partition(b" ")
            sizes[int(number)] = int(size)
        entries = []
        for line in self.connection.uidl()[1]:
            position, _, uid = line.decode(errors="replace").partition(" ")
            self.numbers[uid] = int(position)
            entries.append(MailboxEntry(uid, sizes.get(int(position), 0)))
        return entries

    def _fetch(self, uid: str) -> bytes:
        _response, lines, _octets = self.connection.retr(self.numbers[uid])
        return b"\r\n".join(lines) + b"\r\n"

    def remove(self, uids: Sequence[str]) -> None:
        for uid in uids:
            self.connection.dele(self.numbers[uid])

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.connection.quit()  # deletions take effect only here


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(data: object) -> str:
    if isinstance(data, list | tuple):
        return " ".join(_text(item) for item in data if item is not None)
    return data.decode(errors="replace") if isinstance(data, bytes) else str(data or "")
