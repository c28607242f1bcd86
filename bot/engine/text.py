"""Normalising what people type: case, accents, quotes, punctuation, numbers, stray Unicode."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

MAX_CHARS = 600  # a question longer than this is cut: nobody asks a fact in 10,000 characters

_TRANSLATE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "`": "'", "\u00b4": "'", "\u02bc": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u00df": "ss", "\u0131": "i", "\u0142": "l", "\u00f8": "o", "\u0111": "d", "\u00e6": "ae", "\u0153": "oe",
})
_THOUSANDS = re.compile(r"(?<=\d)[,.\u00a0 ](?=\d{3}(?!\d))")
_POSSESSIVE = re.compile(r"(?<=\w)'s\b")
_NON_WORD = re.compile(r"[^a-z0-9]+")

STOPWORDS = frozenset("""
a an the of and or to in on at by for from with about as is are was were be been being am do does did done
doing have has had having it its it's this that these those there here what which who whom whose when where
why how i me my we our us you your he him his she her they them their tell please pls plz can could would
should will shall may might must just also any some into onto than then so such very really know want need
like get got give show find let lets say said thanks thank hi hello hey bot natobot yes ok okay s
""".split())

# Question words kept apart from content: they choose the kind of answer, not the fact.
QWORDS = frozenset("when year date who whom how many much where what which why long".split())

_stemmer = snowballstemmer.stemmer("english")


def clean(text: str) -> str:
    """Strip control and formatting characters and cap the length; keep the text readable."""
    text = text[: MAX_CHARS * 4]
    if text.isascii() and text.isprintable():
        return text.strip()[:MAX_CHARS]
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" or ch in "\n\t" else " " for ch in text)
    return text.strip()[:MAX_CHARS]


def normalise(text: str) -> str:
    """Lowercase ASCII words and numbers separated by single spaces: 'NATO’s 10,484 sorties' -> 'nato 10484 sorties'."""
    text = clean(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_TRANSLATE))
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_TRANSLATE)
    text = text.casefold()
    text = _THOUSANDS.sub("", text)
    text = _POSSESSIVE.sub("", text)
    # Separators again after punctuation became spaces ("1⁄400" -> "1 400"), so normalising is idempotent.
    return _THOUSANDS.sub("", _NON_WORD.sub(" ", text).strip())


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return word if word.isdigit() or len(word) <= 3 else str(_stemmer.stemWord(word))


def tokens(norm: str) -> list[str]:
    return norm.split() if norm else []


def content_stems(norm: str) -> list[str]:
    """The words that carry meaning, stemmed."""
    return [stem(t) for t in tokens(norm) if t not in STOPWORDS and t not in QWORDS]
