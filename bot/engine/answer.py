"""What the engine returns: the answer, its sources, and the context a follow-up needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["answered", "clarify", "declined"]


@dataclass(frozen=True)
class Source:
    doc: str  # the seed's file name
    title: str  # the page the quote comes from, as users see it
    quote: str  # verbatim substring of the seed
    section: str = ""  # section id in seeds/index.yaml
    as_of: str | None = None  # the document's "as of" date, for dated statements


@dataclass(frozen=True)
class Suggestion:
    """A "did you mean" entry: the question to ask again, and the fact it leads to."""

    question: str
    fact_id: str


@dataclass(frozen=True)
class Context:
    """What a follow-up ("and Kazakhstan?", "what about 2010?") reuses from the previous turn."""

    text: str  # the previous question, normalised and with any follow-up already resolved
    fact_id: str | None = None
    entities: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "fact_id": self.fact_id, "entities": list(self.entities)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Context:
        return cls(str(data.get("text", "")), data.get("fact_id"), tuple(data.get("entities") or ()))


@dataclass(frozen=True)
class Answer:
    question: str  # the input exactly as typed
    status: Status
    text: str  # plain text: the short answer, or the decline / clarify message
    fact_id: str | None = None
    confidence: float = 0.0
    sources: tuple[Source, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    note: str | None = None  # caveat shown under the answer (dated or disputed facts)
    related: tuple[str, ...] = ()  # fact ids worth offering as buttons
    context: Context | None = None  # store this and pass it back with the next question
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        return self.status == "answered"

    def to_json(self) -> dict[str, Any]:
        """The JSON answer object of the CLI contract (DESIGN.md)."""
        return {
            "q": self.question,
            "answered": self.answered,
            "answer": self.text,
            "fact_id": self.fact_id if self.answered else None,
            "confidence": round(self.confidence, 3),
            "sources": [{"doc": s.doc, "title": s.title, "quote": s.quote} for s in self.sources],
            "suggestions": [s.question for s in self.suggestions][:3],
        }
