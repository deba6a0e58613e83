"""Mail about a vendor user's own account (an invitation, a password reset), handed to whoever sends mail.

Core has no outbox: the campaigns package registers a mailer that puts the message in its outbox
(stored body, idempotency key, retries) and can send one message at once. Core only says what to
send: which template folder, to whom, in which language, and the link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy.orm import Session

INVITE = "account_invite"  # templates/email/account_invite/{subject.txt, body.html, body.txt}
PASSWORD_RESET = "password_reset"  # noqa: S105 (a template folder)


@dataclass(frozen=True)
class AccountMail:
    folder: str  # INVITE or PASSWORD_RESET
    user_id: int
    to_email: str
    to_name: str
    locale: str
    link: str  # the signed link to open
    sign_in_url: str  # where a transactional mail's "unsubscribe" points: there is no list to leave
    invited_by: str = ""


QueueMail = Callable[[Session, AccountMail], int]  # puts the mail in the outbox, returns its id
SendNow = Callable[[Session, int], None]  # sends that one message now (after the caller committed)


def register_account_mailer(app: Flask, queue: QueueMail, send_now: SendNow) -> None:
    app.extensions["channelcast.account_mailer"] = (queue, send_now)


def _mailer() -> tuple[QueueMail, SendNow]:
    mailer: tuple[QueueMail, SendNow] | None = current_app.extensions.get("channelcast.account_mailer")
    if mailer is None:
        raise RuntimeError("no account mailer registered: the campaigns package sends account mail")
    return mailer


def queue_account_mail(session: Session, mail: AccountMail) -> int:
    return _mailer()[0](session, mail)


def send_account_mail_now(session: Session, message_id: int) -> None:
    _mailer()[1](session, message_id)
