"""The webhook events this layer emits: what the mail provider reported, and kit downloads.

(`subscribers.webhooks` has the contact events; `campaigns/engagement` can declare its own beside
these with `core.webhooks.register_event_types` and send them with `core.webhooks.emit`.)
"""

from __future__ import annotations

EMAIL_BOUNCED = "email.bounced"
EMAIL_COMPLAINED = "email.complained"
KIT_DOWNLOADED = "kit.downloaded"

EVENT_TYPES = {
    EMAIL_BOUNCED: "An address bounced for good (a hard bounce, or too many soft ones): it gets no more mail. "
    "Payload: email, contact_id (or null), source, detail.",
    EMAIL_COMPLAINED: "Someone reported our mail as spam: the address gets no more mail. "
    "Payload: email, contact_id (or null), source, detail.",
    KIT_DOWNLOADED: "A partner downloaded a marketing kit (or one file of it). "
    "Payload: kit_id, campaign_id, partner_id, locale, file, partner_user_id.",
}
