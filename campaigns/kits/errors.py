"""What a kit build refuses: every error names the field (or network, or image) to fix."""

from __future__ import annotations

from content.brand import InvalidField


class KitInputError(InvalidField):
    """A kit input a marketer or partner can fix; `field` names it (e.g. `logo`, `social.x`)."""
