"""Answers as Telegram HTML: escaping, the answer layout, splitting below 4096 characters, keyboards."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat import callback_data as cb
from bot.chat.ports import TopicLike
from bot.engine.answer import Answer

MESSAGE_LIMIT = 4096  # Telegram's limit on a message's text, in UTF-16 code units after entity parsing
BUTTON_LABEL_LIMIT = 60
_TAG = re.compile(r"<(/?)([a-z][a-z0-9-]*)([^>]*)>")


def esc(text: str) -> str:
    """Escape a dynamic string for HTML parse mode (&, <, >)."""
    return html.escape(text, quote=False)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Reply:
    """One logical reply: HTML chunks (each within the limit) and the keyboard for the last one."""

    chunks: tuple[str, ...]
    keyboard: InlineKeyboardMarkup | None = None


def reply(html_text: str, keyboard: InlineKeyboardMarkup | None = None) -> Reply:
    return Reply(tuple(split_html(html_text)), keyboard)


def answer_html(answer: Answer) -> str:
    """Short answer first, then each source: title (with its "as of" date) and the quote in a blockquote."""
    lines = [esc(answer.text)]
    if answer.note:
        lines.append(f"<i>{esc(answer.note)}</i>")
    for source in answer.sources:
        dated = f" (as of {esc(str(source.as_of))})" if source.as_of else ""
        lines += [
            "",
            f"📄 <b>{esc(source.title)}</b>{dated}",
            f"<blockquote>{esc(source.quote)}</blockquote>",
        ]
    return "\n".join(lines)


def passage_html(answer: Answer, passage: str, limit: int = MESSAGE_LIMIT) -> str:
    """The answer, then the full source passage cut on a line or sentence boundary to fit one message."""
    head = esc(answer.text) + "\n\n"
    if answer.sources:
        head += f"📄 <b>{esc(answer.sources[0].title)}</b>\n"
    room = limit - utf16_len(head) - len("<blockquote></blockquote>") - 1
    body = esc(passage.strip())
    if utf16_len(body) > room:
        cut = body[: max(room, 0)]
        # never end inside an escape such as "&amp;"
        amp = cut.rfind("&")
        if amp > cut.rfind(";"):
            cut = cut[:amp]
        boundary = max(cut.rfind("\n"), cut.rfind(". ") + 1)
        body = (cut[:boundary] if boundary > room // 2 else cut).rstrip() + "…"
    return f"{head}<blockquote>{body}</blockquote>"


def _button(label: str, data: str | None) -> InlineKeyboardButton | None:
    if data is None:
        return None
    if len(label) > BUTTON_LABEL_LIMIT:
        label = label[: BUTTON_LABEL_LIMIT - 1] + "…"
    return InlineKeyboardButton(label, callback_data=data)


def _markup(rows: Sequence[Sequence[InlineKeyboardButton | None]]) -> InlineKeyboardMarkup | None:
    clean = [[b for b in row if b is not None] for row in rows]
    clean = [row for row in clean if row]
    return InlineKeyboardMarkup(clean) if clean else None


def answer_keyboard(
    answer: Answer, *, has_passage: bool = True, showing_passage: bool = False
) -> InlineKeyboardMarkup | None:
    """Answered: source (or back), related, 👍/👎. Otherwise: up to three "did you mean" buttons.

    ``has_passage`` is false for answers built from a table (``table:kfor_commanders``): no source button.
    """
    if answer.answered and answer.fact_id:
        fid = answer.fact_id
        first = (
            _button("↩ Short answer", cb.encode("back", fid))
            if showing_passage
            else _button("📄 Full source", cb.encode("src", fid))
            if has_passage
            else None
        )
        related = _button("🔗 Related", cb.encode("rel", fid)) if answer.related else None
        return _markup([[first, related], [_button("👍", cb.encode("up", fid)), _button("👎", cb.encode("dn", fid))]])
    return _markup([[_button(s.question, cb.encode("ans", s.fact_id))] for s in answer.suggestions[:3]])


def facts_keyboard(facts: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup | None:
    """One button per (fact id, label)."""
    return _markup([[_button(label, cb.encode("ans", fid))] for fid, label in facts])


def topics_keyboard(topics: Sequence[TopicLike]) -> InlineKeyboardMarkup | None:
    buttons = [_button(t.title or f"/{t.command}", cb.encode("top", t.command)) for t in topics]
    return _markup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def subtopics_keyboard(topic: TopicLike) -> InlineKeyboardMarkup | None:
    buttons = [_button(s.title or s.name, cb.encode("sub", topic.command, s.name)) for s in topic.subcommands]
    return _markup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


# --- splitting ------------------------------------------------------------------------------------------


def _open_tags_after(line: str, stack: list[tuple[str, str]]) -> list[tuple[str, str]]:
    stack = list(stack)
    for m in _TAG.finditer(line):
        closing, name = m.group(1), m.group(2)
        if not closing:
            stack.append((name, m.group(0)))
        else:
            for i in range(len(stack) - 1, -1, -1):
                if stack[i][0] == name:
                    del stack[i]
                    break
    return stack


def _closers(stack: Sequence[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _openers(stack: Sequence[tuple[str, str]]) -> str:
    return "".join(tag for _, tag in stack)


def _split_long_line(line: str, size: int) -> list[str]:
    """Cut one over-long line at spaces outside tags and escapes (hard cut if there is no space)."""
    pieces: list[str] = []
    while utf16_len(line) > size:
        cut = min(size, len(line))
        while utf16_len(line[:cut]) > size:
            cut -= 1
        space = line.rfind(" ", 0, cut)
        at = space if space > cut // 2 else cut
        lt, gt = line.rfind("<", 0, at), line.rfind(">", 0, at)
        if lt > gt:  # would cut inside a tag
            at = lt
        amp, semi = line.rfind("&", 0, at), line.rfind(";", 0, at)
        if amp > semi:  # would cut inside an escape
            at = amp
        at = max(at, 1)
        pieces.append(line[:at])
        line = line[at:].lstrip(" ")
    pieces.append(line)
    return pieces


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split HTML into chunks of at most ``limit`` UTF-16 units, on line boundaries.

    Tags open at a cut are closed at the end of the chunk and reopened at the start of the next, so every
    chunk is well-formed on its own. Lines longer than a chunk are cut at spaces outside tags and escapes.
    """
    if utf16_len(text) <= limit:
        return [text]
    chunks: list[str] = []
    stack: list[tuple[str, str]] = []
    body: list[str] = []
    start_stack: list[tuple[str, str]] = []
    size = 0  # UTF-16 length of openers + body lines joined

    def flush() -> None:
        nonlocal body, start_stack, size
        if body:
            chunks.append(_openers(start_stack) + "\n".join(body) + _closers(stack))
        body, start_stack = [], list(stack)
        size = utf16_len(_openers(start_stack))

    margin = 200  # room for the closing/opening tags of nested formatting
    lines: list[str] = []
    for line in text.split("\n"):
        lines += _split_long_line(line, limit - margin) if utf16_len(line) > limit - margin else [line]
    size = 0
    for line in lines:
        after = _open_tags_after(line, stack)
        extra = utf16_len(line) + (1 if body else 0)
        if body and size + extra + utf16_len(_closers(after)) > limit:
            flush()
            extra = utf16_len(line)
        body.append(line)
        size += extra
        stack = after
    flush()
    return [c for c in chunks if c.strip()]
