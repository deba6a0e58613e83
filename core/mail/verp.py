"""VERP return paths: each message's envelope sender names the message, signed.

With `BOUNCE_ADDRESS=bounces@bounce.vendor.example` the message with ref 4711 leaves with the
envelope sender `bounces+<token>@bounce.vendor.example`, and a bounce comes back to exactly
that address. The token is a compact signed link token (core/auth/links.py) for the purpose
"verp": a forged or altered one does not read, so a stranger cannot make us suppress an address
by mailing a fake bounce.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.auth.links import InvalidLink, LinkSigner

PURPOSE = "verp"
ISSUED = 0  # no expiry: a bounce may come back days later, and a fixed value keeps tokens short


@dataclass(frozen=True)
class VerpAddresses:
    bounce_address: str  # e.g. bounces@bounce.vendor.example
    signer: LinkSigner

    @property
    def local(self) -> str:
        return self.bounce_address.rpartition("@")[0]

    @property
    def domain(self) -> str:
        return self.bounce_address.rpartition("@")[2]

    def address_for(self, ref: int) -> str:
        token = self.signer.sign(PURPOSE, ref, 0, issued_at=ISSUED)
        return f"{self.local}+{token}@{self.domain}"

    def ref_of(self, address: str) -> int | None:
        """The message an address names, or None when it is not ours or its token is forged."""
        mailbox, _, domain = address.strip().strip("<>").rpartition("@")
        local, plus, token = mailbox.partition("+")
        if not plus or local.lower() != self.local or domain.lower() != self.domain:
            return None
        try:
            return self.signer.read(token, PURPOSE).subject_id
        except InvalidLink:
            return None

    def is_ours(self, address: str) -> bool:
        """Whether the address is on our bounce address (signed or not): a token to check."""
        mailbox, _, domain = address.strip().strip("<>").rpartition("@")
        return domain.lower() == self.domain and mailbox.partition("+")[0].lower() == self.local
