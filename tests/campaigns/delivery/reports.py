"""Bounce and complaint reports of our own making, shaped as mail servers and mailbox providers send them.

A DSN (RFC 3464) as a Postfix-like server writes it: a human part, message/delivery-status with
one block per recipient, and the returned message (whole, or only its headers). A feedback
report (ARF, RFC 5965) as a mailbox provider's feedback loop sends it: a human part,
message/feedback-report, and the original message.
"""

from __future__ import annotations

from email.utils import format_datetime

from tests.campaigns.delivery.conftest import START

CRLF = "\r\n"
USER_UNKNOWN = "smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown"


def _lines(text: str) -> bytes:
    return text.strip("\n").replace("\n", CRLF).encode() + CRLF.encode()


def original_message(*, return_path: str, message_id: str, to: str, subject: str = "Storage news for Jan") -> str:
    """Our message as the receiving server stored it: with the Return-Path it was sent with."""
    return f"""Return-Path: <{return_path}>
Received: from mail.channelcast.example (mail.channelcast.example [192.0.2.10])
	by mx.partner.example (Postfix) with ESMTPS id 4F0A1C0042
	for <{to}>; {format_datetime(START)}
From: Channelcast <news@channelcast.example>
To: {to}
Subject: {subject}
Date: {format_datetime(START)}
Message-ID: {message_id}
List-Unsubscribe: <https://partners.example/u/token>
List-Unsubscribe-Post: List-Unsubscribe=One-Click
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"

Hello Jan, here is the storage news.
"""


def dsn(
    *,
    to: str,
    recipient: str,
    status: str = "5.1.1",
    action: str = "failed",
    diagnostic: str = USER_UNKNOWN,
    original: str = "",
    headers_only: bool = False,
    boundary: str = "9B0C2C0040.1772442000/mx.partner.example",
) -> bytes:
    """A delivery status notification, delivered to `to` (our VERP address, or our plain bounce address)."""
    returned = (
        "Content-Type: text/rfc822-headers\n\n" + original.split("\n\n", 1)[0] + "\n"
        if headers_only
        else "Content-Description: Undelivered Message\nContent-Type: message/rfc822\n\n" + original
    )
    return _lines(f"""Return-Path: <>
Delivered-To: {to}
Received: by mx.partner.example (Postfix) id 9B0C2C0040; {format_datetime(START)}
Date: {format_datetime(START)}
From: MAILER-DAEMON@mx.partner.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: {to}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="{boundary}"
Message-Id: <20260302090000.9B0C2C0040@mx.partner.example>

This is a MIME-encapsulated message.

--{boundary}
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.partner.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--{boundary}
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.partner.example
X-Postfix-Queue-ID: 4F0A1C0042
Arrival-Date: {format_datetime(START)}

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Remote-MTA: dns; mailstore.partner.example
Diagnostic-Code: {diagnostic.format(recipient=recipient)}

--{boundary}
{returned}
--{boundary}--
""")


def arf(*, original: str = "", feedback_type: str = "abuse", rcpt_to: str = "", mail_from: str = "") -> bytes:
    """A spam complaint from a feedback loop; `original` empty means the provider left the message out."""
    boundary = "----=_Part_FBL_4242"
    original_part = (
        f"--{boundary}\nContent-Type: message/rfc822\nContent-Disposition: inline\n\n{original}\n" if original else ""
    )
    return _lines(f"""From: Feedback Loop <fbl@feedback.mailbox.example>
To: fbl@channelcast.example
Subject: FW: Storage news for Jan
Date: {format_datetime(START)}
Message-ID: <fbl.20260302.4242@feedback.mailbox.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report;
	boundary="{boundary}"

--{boundary}
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit

This is an email abuse report for an email message received from IP
192.0.2.10 on {format_datetime(START)}. For more information about
this format please see https://www.rfc-editor.org/rfc/rfc5965.

--{boundary}
Content-Type: message/feedback-report

Feedback-Type: {feedback_type}
User-Agent: ExampleFBL/2.1
Version: 1
Original-Mail-From: <{mail_from}>
Original-Rcpt-To: <{rcpt_to}>
Arrival-Date: {format_datetime(START)}
Source-IP: 192.0.2.10
Reported-Domain: channelcast.example

{original_part}--{boundary}--
""")


def vacation_reply(to: str) -> bytes:
    return _lines(f"""From: Jan Jansen <jan@partner.example>
To: {to}
Subject: Out of office: Storage news for Jan
Date: {format_datetime(START)}
Auto-Submitted: auto-replied
Message-ID: <ooo.1@partner.example>
Content-Type: text/plain; charset=utf-8

I am out of the office until Monday.
""")
