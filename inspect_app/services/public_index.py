"""The public search index: entities with at least one published record.

:func:`index_entity` is called by the publication service when a record is
published (or corrected); nothing else writes these tables, so an entity
enters the index only with its first published record — a search cannot
tell an entity drawn in a sealed draw from one never drawn.

The name index holds every distinct two-character piece of the public name
(:func:`grams`), so that a fragment of two or more characters is an index
lookup on its rarest piece followed by an exact check, whatever the table's
size (no ``LIKE '%…%'`` scan).

>>> grams("福州鼓楼小吃店")
['福州', '州鼓', '鼓楼', '楼小', '小吃', '吃店']
>>> grams("A")
[]
>>> grams("aBab")  # case-folded, each piece once
['ab', 'ba']
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from ..models import PublishedEntity, PublishedNameGram


def fold(text: str) -> str:
    """The form names and queries are compared in: case-folded, with white
    space removed (``"Abc 公司"`` and ``"abc公司"`` match)."""
    return "".join(text.split()).casefold()


def grams(name: str) -> list[str]:
    """The distinct two-character pieces of ``name`` (folded), in order."""
    folded = fold(name)
    return list(dict.fromkeys(folded[i:i + 2] for i in range(len(folded) - 1)))


def index_entity(session: Session, uscc: str, name: str, district: str, completed_on: date,
                 records_delta: int = 1) -> None:
    """Add (or refresh) ``uscc`` in the index under its public ``name``;
    ``records_delta`` is the change in its number of current published
    records (1 for a first publication, 0 for a correction). The caller
    commits."""
    entity = session.get(PublishedEntity, uscc)
    if entity is None:
        entity = PublishedEntity(uscc=uscc, name=name, district=district, records=0, latest=completed_on)
        old_name = None
    else:
        old_name = entity.name
        entity.name, entity.district = name, district
        if entity.latest is None or completed_on > entity.latest:
            entity.latest = completed_on
    entity.records += records_delta
    session.add(entity)
    if old_name == name:
        return
    if old_name is not None:
        session.execute(sa.delete(PublishedNameGram).where(PublishedNameGram.uscc == uscc))
    pieces = grams(name)
    if pieces:
        session.execute(sa.insert(PublishedNameGram), [{"gram": g, "uscc": uscc} for g in pieces])
