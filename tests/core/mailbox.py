"""Reading what the `file` transport wrote: the messages a person would find in their inbox."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path

from flask import Flask


def messages_to(app: Flask, address: str) -> list[EmailMessage]:
    found = []
    for path in sorted(Path(app.config["CHANNELCAST"].outbox_dir).glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if address in str(message["To"]):
            found.append(message)
    return found


def text_of(message: EmailMessage) -> str:
    return str(message.get_body(("plain",)).get_content())  # type: ignore[union-attr]


def link_in(message: EmailMessage, path_prefix: str) -> str:
    """The path of the first link to `path_prefix` in the message's text part."""
    match = re.search(rf"https?://[^/\s]+({re.escape(path_prefix)}[A-Za-z0-9._-]+)", text_of(message))
    assert match, f"no {path_prefix} link in the message"
    return match.group(1)
