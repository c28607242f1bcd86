"""The engine: one question in, one Answer out — answer, clarify or decline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.engine.answer import Answer, Context, Source, Suggestion
from bot.engine.followup import resolve_followup
from bot.engine.matcher import Matcher, Query, Scored
from bot.engine.records import Document, Fact, Library, Table, Topic
from bot.engine.spotter import Spotter
from bot.engine.structured import Structured
from bot.engine.text import clean, normalise, tokens

# Decision thresholds, calibrated on tests/questions (see docs/engine.md for how).
ANSWER_MIN = 0.60
MARGIN_MIN = 0.035
CONFIDENT = 0.80
CLARIFY_MIN = 0.45

_DATED = re.compile(r"\b(as of|current|currently|today|now|present)\b", re.I)
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?:\s+(.*))?$", re.S)


@dataclass(frozen=True)
class Command:
    name: str
    bot: str | None
    args: str


def parse_command(text: str) -> Command | None:
    m = _COMMAND.match(text.strip())
    if not m:
        return None
    return Command(m[1].lower(), m[2], (m[3] or "").strip())


class Engine:
    def __init__(self, library: Library) -> None:
        self.library = library
        self.facts = {f.id: f for f in library.facts}
        vocabulary = set()
        for fact in library.facts:
            for text in (*fact.questions, fact.answer):
                vocabulary.update(tokens(normalise(text)))
        self.spotter = Spotter(library.entities, vocabulary)
        self.matcher = Matcher(library.facts, self.spotter)
        self.structured = Structured(self)
        self.topic_by_command = {t.command: t for t in library.topics}
        self.by_section: dict[str, list[Fact]] = {}
        for fact in library.facts:
            self.by_section.setdefault(fact.section, []).append(fact)

    @classmethod
    def load(cls, root: Path | None = None, *, cache: bool = True) -> Engine:
        """Build from seeds/, intents/ and data/ (raises DataError on any problem), reusing a compiled cache."""
        from bot.engine import cache as engine_cache
        from bot.engine.loader import default_root, load_library

        root = root or default_root()
        if cache and (cached := engine_cache.load_cached(root)) is not None:
            return cached
        engine = cls(load_library(root))
        if cache:
            engine_cache.store(root, engine)
        return engine

    # --- lookups used by the chat layers -------------------------------------------------------------
    @property
    def topics(self) -> list[Topic]:
        return list(self.library.topics)

    @property
    def documents(self) -> list[Document]:
        return list(self.library.documents)

    @property
    def fact_count(self) -> int:
        return len(self.library.facts)

    def fact(self, fact_id: str) -> Fact | None:
        return self.facts.get(fact_id)

    def table(self, table_id: str) -> Table | None:
        return self.library.table(table_id)

    def source_of(self, doc_file: str, quote: str, section_id: str, dated: bool = False) -> Source:
        """The source as users see it; `dated` adds the document's "as of" date, for statements that age."""
        doc = self.library.document(doc_file)
        section = self.library.section(section_id)
        if section is None and doc is not None:
            section = doc.section_at(doc.text.find(quote))
        title = section.page if section else (doc.title if doc else doc_file)
        as_of = doc.as_of if doc and dated else None
        return Source(doc_file, title, quote, section.id if section else section_id, as_of)

    def passage(self, fact_id: str) -> str | None:
        """The paragraph around a fact's quote: the sentences before and after it, within its section."""
        fact = self.facts.get(fact_id)
        doc = self.library.document(fact.source.doc) if fact else None
        if fact is None or doc is None:
            return None
        start, end = fact.source.start, fact.source.start + len(fact.source.quote)
        section = doc.section_at(start)
        lo, hi = next(((a, b) for a, b in section.spans if a <= start < b), (0, len(doc.text))) if section \
            else (0, len(doc.text))
        left = max(lo, start - 600)
        right = min(hi, end + 600)
        cut_left = doc.text.rfind(". ", left, start)
        cut_right = doc.text.find(". ", end, right)
        left = cut_left + 2 if cut_left >= 0 else left
        right = cut_right + 1 if cut_right >= 0 else right
        return " ".join(doc.text[left:right].split())

    def related(self, fact_id: str, n: int = 3) -> list[Fact]:
        fact = self.facts.get(fact_id)
        if fact is None:
            return []
        out = [self.facts[r] for r in fact.related if r in self.facts]
        same = [f for f in self.by_section.get(fact.section, []) if f.id != fact.id and f not in out]
        shared = sorted(same, key=lambda f: -len(set(f.entities) & set(fact.entities)))
        return (out + shared)[:n]

    def starter_facts(self, n: int = 5) -> list[Fact]:
        picks = [self.facts[t.overview] for t in self.library.topics if t.overview in self.facts]
        return picks[:n]

    # --- answering ----------------------------------------------------------------------------------
    def answer_fact(self, fact_id: str, question: str | None = None, confidence: float = 1.0) -> Answer:
        fact = self.facts.get(fact_id)
        if fact is None:
            return self.decline(question or fact_id, "I don't have that fact any more. Try asking again.")
        dated = bool(_DATED.search(f"{fact.answer} {fact.source.quote}"))
        source = self.source_of(fact.source.doc, fact.source.quote, fact.section, dated)
        text = question if question is not None else fact.questions[0]
        return Answer(text, "answered", fact.answer, fact.id, confidence, (source,), note=fact.note,
                      related=tuple(f.id for f in self.related(fact.id)),
                      context=Context(normalise(text), fact.id, fact.entities))

    def decline(self, question: str, message: str | None = None,
                suggestions: tuple[Suggestion, ...] = ()) -> Answer:
        text = message or "Sorry, I don't know that from my documents."
        if suggestions and message is None:
            text = "I'm not sure I can answer that from my documents. Did you mean one of these?"
        return Answer(question, "declined", text, suggestions=suggestions)

    def answer(self, text: str, context: Context | None = None) -> Answer:
        question = text
        body = clean(text)
        if not body:
            return self.decline(question, "Please type a question, for example: when did Kyrgyzstan join PfP?")
        command = parse_command(body) if body.startswith("/") else None
        if command is not None:
            return self._command(question, command, context)
        return self._question(question, body, context)

    def _command(self, question: str, command: Command, context: Context | None) -> Answer:
        if command.name == "ask":
            if not command.args:
                return self.decline(question, "Ask me something after /ask, for example: "
                                              "/ask who commanded KFOR in 2005")
            return self._question(question, command.args, context)
        topic = self.topic_by_command.get(command.name)
        if topic is None:
            return self.decline(question, f"I don't know the command /{command.name}. Try /help or /topics.")
        if not command.args:
            overview = self.answer_fact(topic.overview, question)
            extra = {"topic": topic.command, "subcommands": [s.name for s in topic.subcommands]}
            return Answer(**{**overview.__dict__, "extra": extra})
        arg = normalise(command.args)
        for sub in topic.subcommands:
            if arg == sub.name or arg == normalise(sub.title):
                return self._retag(self._question(question, sub.ask, None), question)
        # Free text after a topic command is a question about that topic.
        scoped = command.args if topic.command in arg.split() else f"{topic.command} {command.args}"
        return self._retag(self._question(question, scoped, context), question)

    @staticmethod
    def _retag(answer: Answer, question: str) -> Answer:
        return Answer(**{**answer.__dict__, "question": question})

    def _question(self, question: str, body: str, context: Context | None) -> Answer:
        norm = normalise(body)
        query = self.matcher.query(norm)
        if context is not None:
            rewritten = resolve_followup(self, query, context)
            if rewritten is not None:
                query = self.matcher.query(rewritten)
        structured = self.structured.answer(question, query)
        if structured is not None:
            return structured
        uncovered = [s for s in query.spots if s.uncovered or not self.spotter.covered(s.entity)]
        if uncovered:
            name = self.spotter.name(uncovered[0].entity)
            return self.decline(question, f"Sorry, my documents don't cover {name}. "
                                          "Try /topics to see what I know.")
        ranked = self.matcher.rank(query, limit=6, floor=CLARIFY_MIN)  # lower scores never decide
        return self._decide(question, query, ranked)

    def _decide(self, question: str, query: Query, ranked: list[Scored]) -> Answer:
        if not ranked:
            return self.decline(question)
        best = ranked[0]
        runner = next((r for r in ranked[1:] if r.fact.answer != best.fact.answer), None)
        margin = best.score - (runner.score if runner else 0.0)
        if best.score >= ANSWER_MIN and (margin >= MARGIN_MIN or best.score >= CONFIDENT):
            answer = self.answer_fact(best.fact.id, question, min(1.0, best.score))
            ctx = Context(query.norm, best.fact.id, tuple(s.entity for s in query.spots))
            return Answer(**{**answer.__dict__, "context": ctx})
        suggestions = tuple(Suggestion(r.fact.questions[0], r.fact.id) for r in ranked[:3] if r.score >= CLARIFY_MIN)
        if best.score >= CLARIFY_MIN and suggestions:
            return Answer(question, "clarify", "I'm not sure which fact you mean. Did you mean one of these?",
                          None, best.score, suggestions=suggestions)
        return self.decline(question, suggestions=suggestions)
