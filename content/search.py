"""Full-text search over the content's texts, as a narrowing of the reader rule (never a rule of its own).

PostgreSQL searches each language version with its own text-search configuration (Dutch stems
as Dutch, German as German, ...); PostgreSQL has no Polish configuration, so Polish uses `simple`
(words as typed, lower-cased, no stemming). SQLite searches the FTS5 index of migration 0070
(`content_variants_fts`, Unicode words with accents folded), each word as a prefix.

Whatever a person types is text: quotes, FTS operators (`AND`, `NEAR`, `*`, `:`, `-`, `&`, `!`),
`%`, SQL or 2,000 characters never reach the database as syntax. PostgreSQL gets the text as a
bound parameter of `plainto_tsquery`, which reads only words; SQLite gets the words we picked
out, each quoted as an FTS5 string.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import ColumnElement, case, cast, exists, false, func, literal_column, select, table
from sqlalchemy.dialects.postgresql import REGCONFIG

from content.models import ContentItem, ContentVariant

MAX_QUERY = 200  # characters read of a query; the rest is ignored (a search box is not a document)
MAX_WORDS = 12
# Each language's PostgreSQL text-search configuration; English is also the fallback.
PG_CONFIGURATIONS = {
    "en": "english",
    "nl": "dutch",
    "de": "german",
    "fr": "french",
    "sv": "swedish",
    "pl": "simple",  # PostgreSQL ships no Polish configuration: words as typed, without stemming
}
_FTS = table("content_variants_fts", literal_column("rowid"))
_WORD = re.compile(r"\w+", re.UNICODE)


def query_words(query: str) -> list[str]:
    """The words of a query (letters and digits), at most MAX_WORDS, lower-cased."""
    return [word.lower() for word in _WORD.findall(query[:MAX_QUERY])][:MAX_WORDS]


def matches(dialect: str, query: str, locales: Sequence[str]) -> ColumnElement[bool]:
    """Items with a version in one of `locales` whose title, summary or body match `query`."""
    words = query_words(query)
    if not words:  # only punctuation or symbols: nothing can match
        return false()
    in_languages = ContentVariant.locale.in_(list(locales))
    if dialect == "postgresql":
        condition = _postgres_match(" ".join(words))
    else:
        fts_query = " ".join(f'"{word}"*' for word in words)  # \w+ holds no quote: each is a plain string
        matched = select(_FTS.c.rowid).where(literal_column("content_variants_fts").op("MATCH")(fts_query))
        condition = ContentVariant.id.in_(matched)
    return exists().where(ContentVariant.item_id == ContentItem.id, in_languages, condition)


def _postgres_match(text: str) -> ColumnElement[bool]:
    configuration = cast(case(PG_CONFIGURATIONS, value=ContentVariant.locale, else_=PG_CONFIGURATIONS["en"]), REGCONFIG)
    document = func.to_tsvector(
        configuration,
        func.concat_ws(" ", ContentVariant.title, ContentVariant.summary, ContentVariant.body),
    )
    return document.op("@@")(func.plainto_tsquery(configuration, text))
