"""Finding the things a question is about: declared entities (with synonyms and typos) and real-world
countries the documents do not cover (from the ISO 3166 gazetteer), so that those can be declined."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.engine.records import Entity
from bot.engine.text import STOPWORDS, normalise
from bot.engine.typos import TypoIndex

MAX_PHRASE = 6
FUZZY_MIN_LEN = 5
FUZZY_CUTOFF = 86.0


@dataclass(frozen=True)
class Spot:
    entity: str  # entity id; "gazetteer:<alpha2>" for a country the library does not declare
    start: int  # token span in the normalised question
    end: int
    fuzzy: bool = False

    @property
    def uncovered(self) -> bool:
        return self.entity.startswith("gazetteer:")


class Spotter:
    def __init__(self, entities: Iterable[Entity], vocabulary: set[str]) -> None:
        import pycountry  # only when building: a cached engine never loads the gazetteer again

        self.entities = {e.id: e for e in entities}
        self.phrases: dict[str, str] = {}
        self.country_names: dict[str, str] = {}
        for entity in self.entities.values():
            for phrase in (entity.name, entity.id.replace("-", " "), *entity.synonyms):
                key = normalise(phrase)
                if key and key not in STOPWORDS:
                    self.phrases.setdefault(key, entity.id)
        for country in pycountry.countries:
            for attr in ("name", "common_name", "official_name"):
                value = getattr(country, attr, None)
                if not value:
                    continue
                for variant in {value, value.split(",")[0]}:
                    key = normalise(variant)
                    if key and key not in self.phrases and len(key) > 3:
                        self.phrases[key] = f"gazetteer:{country.alpha_2}"
            self.country_names[f"gazetteer:{country.alpha_2}"] = getattr(country, "common_name", country.name)
        self.vocabulary = vocabulary
        # Fuzzy matching only against single words long enough to be told apart.
        self._typos = TypoIndex(k for k in self.phrases if " " not in k and len(k) >= FUZZY_MIN_LEN)

    def name(self, entity_id: str) -> str:
        if entity_id.startswith("gazetteer:"):
            return self.country_names.get(entity_id, entity_id)
        entity = self.entities.get(entity_id)
        return entity.name if entity else entity_id

    def kind(self, entity_id: str) -> str:
        if entity_id.startswith("gazetteer:"):
            return "country"
        entity = self.entities.get(entity_id)
        return entity.kind if entity else "other"

    def covered(self, entity_id: str) -> bool:
        entity = self.entities.get(entity_id)
        return entity is not None and entity.covered

    def spot(self, toks: list[str]) -> list[Spot]:
        """Longest exact phrase first, then single-word typos of entity names."""
        spots: list[Spot] = []
        i = 0
        while i < len(toks):
            for n in range(min(MAX_PHRASE, len(toks) - i), 0, -1):
                key = " ".join(toks[i:i + n])
                hit = self.phrases.get(key)
                if hit is None and key.endswith("s") and len(key) > 4:
                    hit = self.phrases.get(key[:-1])  # plurals: "comkfors", "mnbgs"
                if hit is not None:
                    spots.append(Spot(hit, i, i + n))
                    i += n
                    break
            else:
                word = toks[i]
                hit = self._fuzzy(word)
                if hit:
                    spots.append(Spot(hit, i, i + 1, fuzzy=True))
                i += 1
        return spots

    def _fuzzy(self, word: str) -> str | None:
        if len(word) < FUZZY_MIN_LEN or word in self.vocabulary or word in STOPWORDS or word.isdigit():
            return None
        best = self._typos.best(word, FUZZY_CUTOFF)
        return self.phrases[best] if best else None
