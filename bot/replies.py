"""Reply texts shared by the terminal chat and the Telegram bot (which renders them as HTML).

Generated from intents/ and the library, never from a second hand-kept list.
"""

from __future__ import annotations

from bot.engine import Answer, Context, Engine
from bot.engine.core import parse_command

EXAMPLES = (
    "when did Kyrgyzstan join PfP",
    "who commanded KFOR in 2005",
    "/kfor commanders",
    "how many strike sorties did NATO fly",
    "what is KAZBAT",
)


def start_text(engine: Engine) -> str:
    return (f"Hi! I answer questions about {len(engine.documents)} NATO documents "
            f"({engine.fact_count} facts), with the exact sentence each answer rests on.\n\n"
            + help_text(engine))


def help_text(engine: Engine) -> str:
    examples = "\n".join(f"• {e}" for e in EXAMPLES)
    commands = "\n".join(f"/{t.command} — {t.description}" for t in engine.topics)
    meta = "\n".join(f"/{name} — {desc}" for name, desc in engine.library.meta_commands if name != "start")
    return (f"Ask in plain words, for example:\n{examples}\n\nTopics:\n{commands}\n\n{meta}\n\n"
            "Follow-ups work too: ask \"when did Kyrgyzstan join PfP\", then \"and Kazakhstan?\".")


def topics_text(engine: Engine) -> str:
    blocks = []
    for topic in engine.topics:
        subs = ", ".join(s.name for s in topic.subcommands)
        blocks.append(f"/{topic.command} — {topic.title}" + (f"\n   try: /{topic.command} {subs}" if subs else ""))
    return "What I know about:\n" + "\n".join(blocks)


def about_text(engine: Engine) -> str:
    lines = [f"• {d.title} ({d.publisher}; as of {d.as_of}) — file {d.file}" for d in engine.documents]
    return ("My answers come only from these documents, quoted word for word:\n" + "\n".join(lines)
            + "\n\nIf the documents don't say, I say so rather than guess.")


META = {"start": start_text, "help": help_text, "topics": topics_text, "about": about_text}


def respond(engine: Engine, text: str, context: Context | None = None) -> Answer:
    """Everything a user can type: meta commands here, questions and topic commands in the engine."""
    command = parse_command(text) if text.strip().startswith("/") else None
    if command is not None and command.name in META and not command.args:
        return Answer(text, "answered", META[command.name](engine), None, 1.0, context=context)
    if command is not None and command.name == "start" and command.args.startswith("f_"):
        fact_id = decode_fact_id(command.args[2:])
        if engine.fact(fact_id):
            return engine.answer_fact(fact_id, text)
    return engine.answer(text, context)


def encode_fact_id(fact_id: str) -> str:
    """Deep-link payloads allow only A-Za-z0-9_- : dots become double underscores."""
    return fact_id.replace(".", "__")


def decode_fact_id(payload: str) -> str:
    return payload.replace("__", ".")


def render_plain(answer: Answer) -> str:
    """The reply as the terminal chat shows it: the same parts as the Telegram message, without markup."""
    parts = [answer.text]
    if answer.note:
        parts.append(f"Note: {answer.note}")
    for source in answer.sources[:3]:
        as_of = f" (as of {source.as_of})" if source.as_of else ""
        parts.append(f"Source: {source.title}{as_of}\n  “{source.quote}”")
    if answer.suggestions:
        parts.append("\n".join(f"  {i}. {s.question}" for i, s in enumerate(answer.suggestions, 1)))
    subs = answer.extra.get("subcommands") if answer.extra else None
    if subs:
        topic = answer.extra.get("topic")
        parts.append("More: " + ", ".join(f"/{topic} {s}" for s in subs))
    return "\n\n".join(parts)
