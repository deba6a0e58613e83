"""The content library's tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utc_now


class InterestArea(Base):
    """One of the vendor's competencies (storage, cloud, ...) that contacts follow and content is tagged with.

    Retiring an area (`is_active = False`) keeps it for history but removes it from preference
    forms and from selection.
    """

    __tablename__ = "interest_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(50), unique=True)
    # Per locale: {"en": "Storage", "nl": "Opslag", ...}; "en" is always present.
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    descriptions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    retired_at: Mapped[dt.datetime | None]

    def name(self, locale: str = "en") -> str:
        return self.names.get(locale) or self.names.get("en") or self.slug

    def description(self, locale: str = "en") -> str:
        return self.descriptions.get(locale) or self.descriptions.get("en") or ""

    def __repr__(self) -> str:
        return f"<InterestArea {self.slug}>"
