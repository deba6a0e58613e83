"""What happens to contacts, for packages above this one to act on (subscribers imports none of them).

`consent_recorded` is sent with each new line of a contact's consent log (a preference change,
a pause, an unsubscribe, ...), with the session it was written in: a listener that writes does
so in the same transaction, so the change and what it caused stand or fall together.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()
consent_recorded = _signals.signal("consent-recorded")
