"""Tables that belong to the platform rather than to any domain."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, str_255


class Heartbeat(Base):
    """The last time a long-running process (the scheduler) proved it was alive."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    beat_at: Mapped[dt.datetime]
    detail: Mapped[str_255] = mapped_column(default="")
