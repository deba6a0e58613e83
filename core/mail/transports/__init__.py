"""Mail transports behind one small interface: `file` (default), `smtp` and `sendgrid`."""

from __future__ import annotations

from core.auth.links import LinkSigner
from core.config import Settings
from core.mail.dkim import DkimSigner
from core.mail.transports.base import (
    MessageBody,
    Outcome,
    OutgoingMessage,
    SendResult,
    SendUnit,
    Transport,
    message_bytes,
    mime_message,
)
from core.mail.transports.file import FileTransport
from core.mail.transports.sendgrid import SendGridTransport
from core.mail.transports.smtp import SmtpServer, SmtpTransport
from core.mail.verp import VerpAddresses

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
    "message_bytes",
    "mime_message",
    "transport_from_settings",
    "verp_from_settings",
]


def verp_from_settings(settings: Settings) -> VerpAddresses | None:
    """Signed per-message bounce addresses when BOUNCE_ADDRESS is set."""
    return VerpAddresses(settings.bounce_address, LinkSigner(settings.secret_key)) if settings.bounce_address else None


def transport_from_settings(settings: Settings) -> Transport:
    """The transport MAIL_TRANSPORT names, configured from the settings (DKIM on smtp and file)."""
    dkim = DkimSigner.from_settings(settings.dkim)
    if settings.mail_transport == "smtp":
        server = SmtpServer(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_user,
            settings.smtp_password,
            settings.smtp_starttls,
            settings.mail_timeout_seconds,
        )
        return SmtpTransport(server, settings.mail_from, dkim=dkim, verp=verp_from_settings(settings))
    if settings.mail_transport == "sendgrid":
        return SendGridTransport(
            settings.sendgrid_api_key,
            settings.mail_from,
            host=settings.sendgrid_api_host,
            timeout=settings.mail_timeout_seconds,
            max_per_request=settings.sendgrid_batch_size,
            own_tracking=settings.tracking != "off",
        )
    return FileTransport(settings.outbox_dir, settings.mail_from, dkim=dkim)
