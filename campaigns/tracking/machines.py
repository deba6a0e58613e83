"""Telling machines from people: mail privacy proxies, prefetchers and link scanners.

A machine's open or click is kept (it proves the message arrived) but flagged `automated`, so
every "human" figure leaves it out. The rules, from what proxies and scanners are known to do:

- a user agent of a known proxy, prefetcher, scanner or HTTP library (`machine_agent`);
  Apple Mail Privacy Protection fetches every image on delivery with the bare `Mozilla/5.0`;
  Gmail's image proxy (`GoogleImageProxy`) fetches when the reader opens, so it counts as human;
- a HEAD request (a scanner checking where a link leads; people's mail apps and browsers send GET);
- an open or click within SOON_SECONDS of sending (prefetch on arrival, scanners on delivery);
- every link of a message (at least two) clicked within BURST_SECONDS (a scanner follows them all).
"""

from __future__ import annotations

import re

SOON_SECONDS = 10
BURST_SECONDS = 3
# Whole user agents that are proxies (Apple's privacy proxy sends exactly this), and tell-tale parts.
PROXY_AGENTS = frozenset({"", "mozilla/5.0", "mozilla/5.0 (compatible)"})
MACHINE_PARTS = re.compile(
    r"yahoomailproxy|bot\b|bot/|crawl|spider|scanner|preview|barracuda|mimecast|proofpoint|safelinks|"
    r"symantec|trendmicro|forcepoint|sophos|python-requests|python-urllib|aiohttp|curl/|wget/|"
    r"go-http-client|java/|okhttp|libwww|httpclient",
    re.IGNORECASE,
)

AGENT = "agent"  # the user agent is a known machine
HEAD = "head"  # a HEAD request
SOON = "soon"  # within SOON_SECONDS of sending
BURST = "burst"  # every link of the message at once


def machine_agent(user_agent: str) -> bool:
    """A user agent that is a proxy, prefetcher, scanner or HTTP library rather than a person's mail app."""
    agent = user_agent.strip()
    return agent.lower() in PROXY_AGENTS or MACHINE_PARTS.search(agent) is not None
