"""Provider webhooks (SendGrid, Amazon SES through SNS, Postmark), and the delivery admin:
dashboard, problem messages, suppressions, the bounce mailbox."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
from typing import Any

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from campaigns.delivery import dashboard, outbox
from campaigns.delivery.bounces import mailbox_status
from campaigns.delivery.events import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    ProviderEvent,
    WebhookOutcome,
    record_provider_events,
    record_sendgrid_events,
    signature_is_valid,
)
from campaigns.delivery.forms import SuppressionForm
from campaigns.delivery.models import Delivery, DeliveryStatus
from campaigns.delivery.providers import PayloadError, postmark_event, ses_events
from campaigns.delivery.sns import SnsError, SnsVerifier
from core.auth import EDITORS, Role, User, get_or_404, require_role
from core.config import Settings
from core.db import db, utc_now
from core.mail.transports import verp_from_settings
from core.timezones import LocalTimeError, local_to_utc
from subscribers.forms import SUPPRESSION_REASON_LABELS
from subscribers.models import SuppressionReason
from subscribers.services import SuppressionRefused, suppress_by_hand

WEBHOOK_MAX_BYTES = 1024 * 1024
log = logging.getLogger("channelcast.delivery.webhook")

webhooks = Blueprint("delivery_webhooks", __name__)
admin = Blueprint("delivery", __name__, url_prefix="/admin/delivery")


@webhooks.post("/webhooks/sendgrid")
def sendgrid_events() -> ResponseReturnValue:
    request.max_content_length = WEBHOOK_MAX_BYTES  # larger bodies get 413 before we read them
    raw = request.get_data(cache=False)
    settings = current_app.config["CHANNELCAST"]
    signature, timestamp = request.headers.get(SIGNATURE_HEADER), request.headers.get(TIMESTAMP_HEADER)
    if not signature_is_valid(settings.sendgrid_webhook_public_key, raw, signature, timestamp, now=utc_now()):
        log.warning("sendgrid webhook refused: missing or bad signature, or timestamp outside the window")
        abort(403)
    try:
        items = json.loads(raw)
    except ValueError:
        abort(400)
    if not isinstance(items, list):
        abort(400)
    outcome = record_sendgrid_events(db.session, items, now=utc_now(), soft_bounce_limit=settings.soft_bounce_limit)
    db.session.commit()
    return jsonify(outcome.as_dict())


def _settings() -> Settings:
    settings: Settings = current_app.config["CHANNELCAST"]
    return settings


def _json_body() -> Any:
    request.max_content_length = WEBHOOK_MAX_BYTES
    try:
        return json.loads(request.get_data(cache=False))
    except ValueError:
        abort(400)


def _record(events: list[ProviderEvent]) -> ResponseReturnValue:
    """Through the one mapping; providers that carry no id of ours are matched by address."""
    results = record_provider_events(
        db.session, events, now=utc_now(), soft_bounce_limit=_settings().soft_bounce_limit, by_address=True
    )
    db.session.commit()
    return jsonify(WebhookOutcome().add(results).as_dict())


@webhooks.post("/webhooks/ses")
def ses_notifications() -> ResponseReturnValue:
    """Amazon SES bounce, complaint and delivery notifications, delivered by SNS (signature verified)."""
    settings = _settings()
    message = _json_body()
    verifier: SnsVerifier = current_app.extensions["channelcast.sns"]
    try:
        verifier.verify(message, now=utc_now())
    except SnsError as error:
        log.warning("ses webhook refused: %s", error)
        abort(403)
    if message.get("TopicArn") not in settings.ses_topic_arns:
        log.warning("ses webhook refused: topic %r is not in SES_SNS_TOPIC_ARNS", message.get("TopicArn"))
        abort(403)
    if message["Type"] == "SubscriptionConfirmation":
        try:
            verifier.confirm_subscription(message)
        except SnsError as error:
            log.warning("ses subscription not confirmed: %s", error)
            abort(502)
        log.info("ses: subscribed to %s", message["TopicArn"])
        return jsonify({"subscribed": message["TopicArn"]})
    if message["Type"] != "Notification":
        return jsonify({"ignored": message["Type"]})
    try:
        events = ses_events(message, verp=verp_from_settings(settings))
    except PayloadError as error:
        log.warning("ses notification not understood: %s", error)
        abort(400)
    return _record(events)


@webhooks.post("/webhooks/postmark")
def postmark_events() -> ResponseReturnValue:
    """Postmark's bounce, spam complaint and delivery webhooks, behind HTTP basic auth."""
    settings = _settings()
    given = request.authorization
    if not settings.postmark_webhook_password:
        abort(403)
    if (
        given is None
        or not hmac.compare_digest((given.username or "").encode(), settings.postmark_webhook_user.encode())
        or not hmac.compare_digest((given.password or "").encode(), settings.postmark_webhook_password.encode())
    ):
        log.warning("postmark webhook refused: missing or wrong credentials")
        return jsonify({"error": "credentials required"}), 401, {"WWW-Authenticate": 'Basic realm="webhooks"'}
    try:
        event = postmark_event(_json_body())
    except PayloadError as error:
        log.warning("postmark webhook not understood: %s", error)
        abort(400)
    return _record([event] if event else [])


def get_delivery_or_404(delivery_id: int, user: User) -> Delivery:
    return get_or_404(db.session, Delivery, delivery_id, user)


@admin.get("/")
@require_role(*EDITORS)
def overview() -> ResponseReturnValue:
    now = utc_now()
    board = dashboard.delivery_dashboard(db.session, now=now)
    rates, period = dashboard.daily_rates(db.session, now=now)
    return render_template(
        "campaigns/delivery/dashboard.html",
        board=board,
        columns=dashboard.COLUMNS,
        rates=rates,
        period=period,
        limits={"bounces": dashboard.BOUNCE_LIMIT, "complaints": dashboard.COMPLAINT_LIMIT},
        mailbox=mailbox_status(db.session, _settings()),
    )


@admin.get("/mailbox")
@require_role(*EDITORS)
def mailbox() -> ResponseReturnValue:
    """The bounce mailbox: how the last read went, and the messages left in it for a person."""
    return render_template(
        "campaigns/delivery/mailbox.html",
        mailbox=mailbox_status(db.session, _settings()),
        kept=dashboard.kept_mailbox_messages(db.session),
        poll_minutes=_settings().bounce_mailbox_poll_minutes,
    )


@admin.get("/messages/<status>")
@require_role(*EDITORS)
def problems(status: str) -> ResponseReturnValue:
    if status not in {s.value for s in dashboard.PROBLEMS}:
        abort(404)
    rows = dashboard.problem_page(db.session, DeliveryStatus(status))
    return render_template("campaigns/delivery/problems.html", rows=rows, status=DeliveryStatus(status))


@admin.post("/messages/<int:delivery_id>/retry")
@require_role(Role.ADMIN)
def retry(delivery_id: int) -> ResponseReturnValue:
    delivery = get_delivery_or_404(delivery_id, current_user)
    back = delivery.status.value
    try:
        outbox.retry_delivery(db.session, delivery)
    except outbox.DeliveryStateError as error:
        flash(str(error), "error")
        return redirect(url_for(".problems", status=back))
    db.session.commit()
    flash(_("Message %(id)s to %(email)s is queued again.", id=delivery.id, email=delivery.recipient_email), "success")
    return redirect(url_for(".problems", status=back))


@admin.post("/messages/<int:delivery_id>/mark-sent")
@require_role(Role.ADMIN)
def mark_sent(delivery_id: int) -> ResponseReturnValue:
    delivery = get_delivery_or_404(delivery_id, current_user)
    try:
        outbox.mark_delivered_by_hand(db.session, delivery)
    except outbox.DeliveryStateError as error:
        flash(str(error), "error")
        return redirect(url_for(".problems", status=DeliveryStatus.UNCERTAIN.value))
    db.session.commit()
    flash(
        _("Message %(id)s to %(email)s is recorded as sent.", id=delivery.id, email=delivery.recipient_email), "success"
    )
    return redirect(url_for(".problems", status=DeliveryStatus.UNCERTAIN.value))


def _day(name: str, *, end: bool) -> tuple[str, dt.datetime | None, bool]:
    """A YYYY-MM-DD filter as a UTC bound in the reader's zone; (raw, bound, whether it was understood)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return "", None, True
    try:
        day = dt.date.fromisoformat(raw) + dt.timedelta(days=1 if end else 0)
        return raw, local_to_utc(dt.datetime.combine(day, dt.time()), current_user.timezone), True
    except (ValueError, LocalTimeError):
        return raw, None, False


def _suppression_search() -> tuple[dashboard.SuppressionSearch, dict[str, str], list[str]]:
    reason_arg = request.args.get("reason", "")
    since_raw, since, since_ok = _day("since", end=False)
    until_raw, until, until_ok = _day("until", end=True)
    problems = [_("%(day)s is not a date like 2026-03-31.", day=raw) for raw, ok in
                ((since_raw, since_ok), (until_raw, until_ok)) if not ok]  # fmt: skip
    values = {"address": request.args.get("address", "").strip()[:255], "reason": reason_arg,
              "source": request.args.get("source", "").strip()[:50], "since": since_raw,
              "until": until_raw}  # fmt: skip
    search = dashboard.SuppressionSearch(
        address=values["address"], source=values["source"], since=since, until=until,
        reason=SuppressionReason(reason_arg) if reason_arg in {r.value for r in SuppressionReason} else None,
    )  # fmt: skip
    return search, values, problems


def _render_suppressions(form: SuppressionForm, status: int = 200) -> ResponseReturnValue:
    search, values, problems = _suppression_search()
    page = request.args.get("page", 1, type=int) or 1
    rows, counts, more = dashboard.suppression_page(db.session, page=max(1, page), search=search)
    html = render_template(
        "campaigns/delivery/suppressions.html", rows=rows, counts=counts, reason=search.reason, page=page, more=more,
        values=values, problems=problems, sources=dashboard.suppression_sources(db.session),
        reasons=SUPPRESSION_REASON_LABELS, form=form,
    )  # fmt: skip
    return html, status


@admin.get("/suppressions")
@require_role(*EDITORS)
def suppressions() -> ResponseReturnValue:
    return _render_suppressions(SuppressionForm(formdata=None))


@admin.post("/suppressions")
@require_role(*EDITORS)
def suppression_add() -> ResponseReturnValue:
    """Stop all mail to an address by hand, with the reason (audited; a contact with it is unsubscribed)."""
    form = SuppressionForm()
    if not form.validate_on_submit():
        return _render_suppressions(form, 400)
    try:
        entry = suppress_by_hand(db.session, form.email.data or "", form.reason.data or "", by=current_user,
                                 ip=request.remote_addr)  # fmt: skip
    except SuppressionRefused as error:
        db.session.rollback()
        form[error.field].errors = [error.message]
        return _render_suppressions(form, 400)
    db.session.commit()
    flash(_("%(email)s gets no more mail from us.", email=entry.email), "success")
    return redirect(url_for(".suppressions"))
