"""Follow-ups: "and Kazakhstan?" or "what about 2010?" reuse the previous question with one thing swapped."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.engine.answer import Context
from bot.engine.dates import find_date
from bot.engine.matcher import Query

if TYPE_CHECKING:
    from bot.engine.core import Engine

_LEAD = re.compile(r"^(and|what about|how about|and what about|what of|same for|and for|and in|and the)\b")
_SHORT = 3  # a follow-up carries at most this many terms of its own


def resolve_followup(engine: Engine, query: Query, context: Context) -> str | None:
    """The previous question rewritten with this turn's entity or date, or None if this is a new question."""
    leading = bool(_LEAD.match(query.norm))
    if not leading and len(query.terms) > 1:
        return None
    if len(query.terms) > _SHORT or not context.text:
        return None
    previous = engine.matcher.query(context.text)
    toks = list(previous.toks)
    changed = False
    for spot in sorted(query.spots, key=lambda s: s.start):
        kind = engine.spotter.kind(spot.entity)
        old = next((p for p in previous.spots if engine.spotter.kind(p.entity) == kind and p.entity != spot.entity),
                   None)
        if old is None:
            continue
        new_words = list(query.toks[spot.start:spot.end])
        toks[old.start:old.end] = new_words + [""] * (old.end - old.start - len(new_words)) \
            if len(new_words) <= old.end - old.start else new_words
        changed = True
        break
    text = " ".join(t for t in toks if t)
    new_date, old_date = find_date(query.norm), find_date(text)
    if new_date and old_date:
        text = text[:old_date.start] + query.norm[new_date.start:new_date.end] + text[old_date.end:]
        changed = True
    return text if changed else None
