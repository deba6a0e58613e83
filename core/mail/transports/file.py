"""The default transport: one RFC 5322 `.eml` file per message, so the service runs with no account.

Each file is named by the message's ref and written to a temporary name first, then renamed:
a reader never sees half a message, and sending the same message again replaces its file
instead of adding a second one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from core.files import write_atomically
from core.mail.dkim import DkimSigner
from core.mail.transports.base import (
    Outcome,
    OutgoingMessage,
    SendResult,
    SendUnit,
    Transport,
    all_with,
    message_bytes,
)


class FileTransport(Transport):
    name = "file"
    resend_is_safe = True

    def __init__(self, directory: Path, sender: str, *, dkim: DkimSigner | None = None) -> None:
        self.directory = directory
        self.sender = sender
        self.dkim = dkim

    def path_for(self, ref: int) -> Path:
        return self.directory / f"message-{ref}.eml"

    @contextmanager
    def connect(self) -> Iterator[SendUnit]:
        self.directory.mkdir(parents=True, exist_ok=True)
        yield self._write_unit

    def _write_unit(self, unit: Sequence[OutgoingMessage]) -> list[SendResult]:
        results = []
        for message in unit:
            try:
                path = self._write(message)
            except OSError as error:  # a full disk passes; try again later
                results.extend(all_with([message], Outcome.RETRY, f"could not write the file: {error}"))
            else:
                results.append(SendResult(message.ref, Outcome.SENT, provider_message_id=path.name))
        return results

    def _write(self, message: OutgoingMessage) -> Path:
        target = self.path_for(message.ref)
        return write_atomically(target, message_bytes(message, self.sender, self.dkim))
