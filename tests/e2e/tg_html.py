"""Telegram's HTML parse mode, as the Bot API checks it: supported tags only, properly nested, with entities."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
    "span": "spoiler", "a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}  # fmt: skip
NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_LT = re.compile(r"<(?!/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?>)")


class ParseError(ValueError):
    pass


def u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Parser(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0]
        for m in re.finditer("\n", source):
            self.line_starts.append(m.end())
        self.out: list[str] = []
        self.stack: list[tuple[str, int, dict[str, str | None]]] = []
        self.entities: list[dict[str, Any]] = []

    def byte_at(self) -> int:
        line, col = self.getpos()
        return len(self.source[: self.line_starts[line - 1] + col].encode())

    def pos(self) -> int:
        return u16("".join(self.out))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS or (tag == "span" and dict(attrs).get("class") != "tg-spoiler"):
            raise ParseError(f'Unsupported start tag "{tag}" at byte offset {self.byte_at()}')
        self.stack.append((tag, self.pos(), dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            expected = f', expected "</{self.stack[-1][0]}>"' if self.stack else ""
            raise ParseError(f'Unmatched end tag at byte offset {self.byte_at()}{expected}, found "</{tag}>"')
        name, start, attrs = self.stack.pop()
        length = self.pos() - start
        if length:
            kind = TAGS[name]
            if name == "blockquote" and "expandable" in attrs:
                kind = "expandable_blockquote"
            entity: dict[str, Any] = {"type": kind, "offset": start, "length": length}
            if name == "a":
                entity["url"] = attrs.get("href") or ""
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in NAMED:
            raise ParseError(f'Unsupported HTML entity "&{name};" at byte offset {self.byte_at()}')
        self.out.append(NAMED[name])

    def handle_charref(self, name: str) -> None:
        self.out.append(chr(int(name[1:], 16) if name[:1] in "xX" else int(name)))


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """The plain text and entities of an HTML-formatted message, or ParseError with the API's wording."""
    bad = _LT.search(source)
    if bad:
        raise ParseError(f"Unsupported start tag at byte offset {len(source[: bad.start()].encode())}")
    parser = _Parser(source)
    parser.feed(source)
    parser.close()
    if parser.stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{parser.stack[-1][0]}"')
    return "".join(parser.out), sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
