"""Mail transports behind one small interface: `file` (default), `smtp` and `sendgrid`."""

from __future__ import annotations

from core.config import Settings
from core.mail.transports.base import (
    MessageBody,
    Outcome,
    OutgoingMessage,
    SendResult,
    SendUnit,
    Transport,
    mime_message,
)
from core.mail.transports.file import FileTransport
from core.mail.transports.sendgrid import SendGridTransport
from core.mail.transports.smtp import SmtpServer, SmtpTransport

__all__ = [
    "FileTransport",
    "MessageBody",
    "Outcome",
    "OutgoingMessage",
    "SendGridTransport",
    "SendResult",
    "SendUnit",
    "SmtpServer",
    "SmtpTransport",
    "Transport",
    "mime_message",
    "transport_from_settings",
]


def transport_from_settings(settings: Settings) -> Transport:
    """The transport MAIL_TRANSPORT names, configured from the settings."""
    if settings.mail_transport == "smtp":
        server = SmtpServer(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_user,
            settings.smtp_password,
            settings.smtp_starttls,
            settings.mail_timeout_seconds,
        )
        return SmtpTransport(server, settings.mail_from)
    if settings.mail_transport == "sendgrid":
        return SendGridTransport(
            settings.sendgrid_api_key,
            settings.mail_from,
            host=settings.sendgrid_api_host,
            timeout=settings.mail_timeout_seconds,
            max_per_request=settings.sendgrid_batch_size,
        )
    return FileTransport(settings.outbox_dir, settings.mail_from)
