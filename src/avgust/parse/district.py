"""District and region names: find them in a resolution and put them in the nominative.

Inflection is done with pymorphy3 (OpenCorpora dictionary), never with suffix
rules: the head noun (район, область, округ, город, республика, край …) is put in
the nominative, the adjectives before it agree with it in gender and number, and a
proper name after "город"/"городской округ"/"республика" is put in the nominative
as well ("города Тамбова" → "город Тамбов").

Known limits:

* a name after the head is one word, or an adjective + noun pair ("Нижнего
  Новгорода"); "Республики Марий Эл" or "Северная Осетия — Алания" keep their
  second part as written;
* a city name that is also a surname is read as the city after "город"
  ("города Иванова" → "город Иваново"); a name the dictionary does not know as a
  place and that is not in the nominative is inflected by the guessed paradigm,
  or left as written when pymorphy3 offers no case for it;
* "г. Тамбов" (the abbreviation) is not looked for: in resolutions it is nearly
  always a school's address, not the district the resolution is about.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from avgust.ru.morph import analyzer

#: Nouns that head the name of a district or a region.
_HEADS = frozenset(
    {"район", "область", "округ", "город", "республика", "край", "поселение", "поселок", "село"}
)
#: Heads that are followed by a proper name: "город Тамбов", "Республика Дагестан".
_HEADS_WITH_NAME = frozenset({"округ", "город", "республика", "поселение", "поселок", "село"})
#: Adjectives that come before "района" but do not name a district.
_GENERIC_ADJECTIVES = frozenset(
    {
        "муниципальный",
        "районный",
        "городской",
        "сельский",
        "соседний",
        "данный",
        "указанный",
        "вышеуказанный",
        "родной",
        "новый",
        "отдельный",
        "национальный",
        "федеральный",
        "российский",
        "образовательный",
        "предметный",
    }
)
_ADJECTIVE_POS = frozenset({"ADJF", "PRTF"})

#: How many characters at the start of a text count as its heading and preamble.
HEADING_CHARS = 800

_WORD = r"[А-ЯЁа-яё]+(?:-[А-ЯЁа-яё]+)*"
#: Before a leading ``_WORD``: it starts a word, not inside one or after "слово-". Without
#: it the regex engine tries every letter of a long word as a start, each scanning to the
#: word's end: quadratic time on one 10,000-letter "word". The matches are the same,
#: since a match that starts inside a word would also start at that word's beginning.
_WORD_START = r"(?<![А-ЯЁа-яё])(?<![А-ЯЁа-яё]-)"
_NAME = r"[А-ЯЁ][А-ЯЁа-яё]*(?:-[А-ЯЁа-яё]+)*"
_QUOTED = r"[«\"„“]\s*(?P<{g}>[^»\"“”\n]{{3,80}}?)\s*[»\"“”]"

_DISTRICT_PATTERNS = tuple(
    re.compile(pattern)
    for pattern in (
        # МО «Акушинский район», муниципального образования «…»
        r"(?:\b(?:МО|МР)|(?i:муниципальн\w+ (?:образовани|район)\w*))\s*" + _QUOTED.format(g="mo"),
        # городского округа Ступино
        rf"(?P<go>(?i:городск(?:ой|ого|ому|им|ом) округ(?:а|у|ом|е)?))\s+(?P<go_name>{_NAME})",
        # Краснокутского муниципального района, Сосновского муниципального округа
        rf"{_WORD_START}(?P<adj>{_WORD})\s+(?P<mun>(?i:муниципальн\w+)\s+)?"
        r"(?P<head>(?i:район(?:а|у|ом|е)?|округ(?:а|у|ом|е)?))\b",
        # города Тамбова
        rf"(?<![А-ЯЁа-яё])(?P<city>(?i:город(?:а|у|ом|е)?))\s+(?P<city_name>{_NAME})",
    )
)

_REGION_PATTERNS = tuple(
    re.compile(pattern)
    for pattern in (
        # Тамбовской области, Пермского края, Ханты-Мансийского автономного округа,
        # Чувашской Республики, Еврейской автономной области
        rf"{_WORD_START}(?P<adj>{_WORD})\s+(?P<auto>(?i:автономн\w+)\s+)?"
        r"(?P<head>(?i:област(?:ь|и|ью)|кра(?:й|я|ю|ем|е)|республик(?:а|и|е|у|ой)"
        r"|округ(?:а|у|ом|е)?))\b",
        # Республики Дагестан
        rf"(?P<rep>(?i:республик(?:а|и|е|у|ой)))\s+(?P<rep_name>{_NAME})",
    )
)


def to_nominative(phrase: str) -> str:
    """Put the name of a district, city or region in the nominative case.

    "Мучкапского района" → "Мучкапский район", "Краснокутского муниципального
    района" → "Краснокутский муниципальный район", "города Тамбова" → "город
    Тамбов", "Республики Дагестан" → "Республика Дагестан", "МО «Акушинский
    район»" → "Акушинский район". The phrase must start with the name; words
    after it that depend on it ("… района Тамбовской области") stay as written.
    Capitalisation follows the input word by word. A phrase without a head noun
    comes back unchanged.
    """
    phrase = " ".join(phrase.split())
    quoted = re.fullmatch(
        r"(?:МО|МР|ГО|(?i:муниципальн\w+ (?:образовани|район)\w*))\s*[«\"„“]\s*(.+?)\s*[»\"“”]",
        phrase,
    )
    if quoted:
        return to_nominative(quoted.group(1))
    words = phrase.split(" ")
    morph = analyzer()
    head_at = next(
        (i for i, w in enumerate(words) if any(_is_head(p) for p in morph.parse(w))), None
    )
    if head_at is None:
        return phrase
    adjectives = words[:head_at]
    head_word = words[head_at]
    head, adjective_parses = _agreeing_parses(head_word, adjectives)
    head_nominative = head.inflect({"nomn"}) or head
    out = [
        _shape(word, _inflect_like(parse, head_nominative) or word)
        for word, parse in zip(adjectives, adjective_parses, strict=True)
    ]
    out.append(_shape(head_word, head_nominative.word))
    rest = words[head_at + 1 :]
    if _lemma(head) in _HEADS_WITH_NAME and rest:
        name_words, rest = _name_to_nominative(rest, head)
        out.extend(name_words)
    out.extend(rest)
    return " ".join(out)


def find_district(text: str) -> str | None:
    """The district a resolution is about, in the nominative ("Мучкапский район").

    Looks for "<Прилагательное> (муниципального) района/округа", "города <Имя>",
    "городского округа <Имя>" and "МО «…»" in any grammatical case. The first such
    mention in the heading and preamble (the first :data:`HEADING_CHARS`
    characters) wins; otherwise the most frequent one in the whole text. "X
    муниципальный район" is shortened to "X район" so that both spellings count as
    one district. None when the text names no district.
    """
    return _choose(text, _mentions(text, _DISTRICT_PATTERNS, _district_from_match))


def find_region(text: str) -> str | None:
    """The region (субъект РФ) a resolution names, in the nominative ("Тамбовская область").

    Looks for "<Прилагательное> области/края/Республики/автономного округа" and
    "Республики <Имя>"; the first mention in the heading and preamble wins, else the
    most frequent. None when the text names no region.
    """
    return _choose(text, _mentions(text, _REGION_PATTERNS, _region_from_match))


# --- finding ---------------------------------------------------------------------


def _mentions(
    text: str,
    patterns: tuple[re.Pattern[str], ...],
    name_of: Callable[[re.Match[str]], str | None],
) -> list[tuple[int, str]]:
    """(offset, nominative name) of each mention, in text order.

    Each pattern runs on its own so that a match rejected by one ("образования
    Республики" is no "<Adj> Республики") does not hide another ("Республики
    Дагестан"); a mention inside an earlier one ("Акушинский район" inside "МО
    «Акушинский район»") is not counted twice.
    """
    hits = sorted(
        (match.start(), -match.end(), name)
        for pattern in patterns
        for match in pattern.finditer(text)
        if (name := name_of(match))
    )
    found: list[tuple[int, str]] = []
    covered_to = -1
    for start, negative_end, name in hits:
        if start >= covered_to:
            found.append((start, name))
            covered_to = -negative_end
    return found


def _district_from_match(match: re.Match[str]) -> str | None:
    found = match.groupdict()
    if found.get("mo"):
        inner = to_nominative(found["mo"])
        return inner if _names_a_place(inner) else None
    if found.get("go"):
        return to_nominative(f"{found['go'].lower()} {_proper(found['go_name'])}")
    if found.get("city"):
        return to_nominative(f"{found['city'].lower()} {_proper(found['city_name'])}")
    adjective, head = found["adj"], found["head"].lower()
    if not _is_proper_adjective(adjective, head):
        return None
    if head.startswith("район"):
        # "Краснокутского муниципального района" and "Краснокутского района" are one district.
        return to_nominative(f"{_proper(adjective)} {head}")
    municipal = found.get("mun")
    if not municipal:
        return None  # "<Adj> округа" alone is ambiguous (избирательного, автономного …)
    return to_nominative(f"{_proper(adjective)} {municipal.strip().lower()} {head}")


def _region_from_match(match: re.Match[str]) -> str | None:
    found = match.groupdict()
    if found.get("rep"):
        return to_nominative(f"{found['rep'].capitalize()} {_proper(found['rep_name'])}")
    adjective, head = found["adj"], found["head"].lower()
    autonomous = found.get("auto")
    if head.startswith("округ") and not autonomous:
        return None  # only "автономный округ" is a region
    if not _is_proper_adjective(adjective, head):
        return None
    if head.startswith("республик"):
        head = head.capitalize()  # "Чувашская Республика" is spelled with a capital
    parts = [_proper(adjective)]
    if autonomous:
        parts.append(autonomous.strip().lower())
    parts.append(head)
    return to_nominative(" ".join(parts))


def _choose(text: str, found: list[tuple[int, str]]) -> str | None:
    if not found:
        return None
    heading_end = len(text) - len(text.lstrip()) + HEADING_CHARS
    for start, name in found:
        if start < heading_end:
            return name
    counts = Counter(name for _, name in found)
    first_seen = {name: start for start, name in reversed(found)}
    return max(counts, key=lambda name: (counts[name], -first_seen[name]))


def _is_proper_adjective(word: str, head: str) -> bool:
    """True for "Мучкапского" before "района", False for "районного", "нашего", "Каждого"."""
    if not word[0].isupper():
        return False
    head_parses = [p for p in analyzer().parse(head) if _is_head(p)]
    for parse in analyzer().parse(word):
        if parse.tag.POS not in _ADJECTIVE_POS or "Apro" in parse.tag:
            continue
        if parse.normal_form in _GENERIC_ADJECTIVES:
            return False
        if any(_agrees(parse, h) for h in head_parses):
            return True
    return False


def _names_a_place(phrase: str) -> bool:
    morph = analyzer()
    return any(_is_head(p) for w in phrase.split() for p in morph.parse(w))


def _proper(word: str) -> str:
    """Capitalise each part: "МУЧКАПСКОГО" → "Мучкапского", "ХАНТЫ-…" → "Ханты-…"."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


# --- inflecting ------------------------------------------------------------------


def _is_head(parse: Any) -> bool:
    return parse.tag.POS == "NOUN" and _lemma(parse) in _HEADS


def _lemma(parse: Any) -> str:
    return str(parse.normal_form).replace("ё", "е")


def _agrees(adjective: Any, noun: Any) -> bool:
    tag, noun_tag = adjective.tag, noun.tag
    if tag.case != noun_tag.case or tag.number != noun_tag.number:
        return False
    return bool(noun_tag.number == "plur" or tag.gender == noun_tag.gender)


def _agreeing_parses(head_word: str, adjectives: list[str]) -> tuple[Any, list[Any]]:
    """The parse of the head noun and of each adjective that agree with one another."""
    morph = analyzer()
    head_parses = [p for p in morph.parse(head_word) if _is_head(p)]
    adjective_parses = [
        [p for p in morph.parse(w) if p.tag.POS in _ADJECTIVE_POS] or morph.parse(w)[:1]
        for w in adjectives
    ]
    for head in head_parses:
        chosen = [
            next((p for p in options if _agrees(p, head)), None) for options in adjective_parses
        ]
        if all(p is not None for p in chosen):
            return head, chosen
    head = head_parses[0]
    return head, [
        next((p for p in options if p.tag.case == head.tag.case), options[0])
        for options in adjective_parses
    ]


def _inflect_like(adjective: Any, noun: Any) -> str | None:
    """The form of an adjective that agrees with a nominative noun, or None."""
    if adjective.tag.POS not in _ADJECTIVE_POS:
        return None
    wanted = {"nomn", noun.tag.number or "sing"}
    if noun.tag.number != "plur" and noun.tag.gender:
        wanted.add(noun.tag.gender)
    form = adjective.inflect(wanted)
    return form.word if form else None


def _name_to_nominative(words: list[str], head: Any) -> tuple[list[str], list[str]]:
    """Put the proper name after "город"/"республика" in the nominative.

    Returns the name's words and the words after it (unchanged).
    """
    if not words[0][:1].isupper():
        return [], words
    morph = analyzer()
    if len(words) > 1 and words[1][:1].isupper():
        first = [p for p in morph.parse(words[0]) if p.tag.POS in _ADJECTIVE_POS]
        nouns = [p for p in morph.parse(words[1]) if p.tag.POS == "NOUN"]
        pair = next(((a, n) for n in nouns for a in first if _agrees(a, n)), None)
        if pair and not any(p.tag.POS == "NOUN" for p in morph.parse(words[0])[:1]):
            # "Нижнего Новгорода" → "Нижний Новгород"
            noun = _nominative_name(words[1], head)
            if noun is None:
                return words[:2], words[2:]
            adjective = _inflect_like(pair[0], noun) or words[0]
            return [_shape(words[0], adjective), _shape(words[1], noun.word)], words[2:]
    noun = _nominative_name(words[0], head)
    name = _shape(words[0], noun.word) if noun is not None else words[0]
    return [name], words[1:]


def _nominative_name(word: str, head: Any) -> Any | None:
    """The nominative parse of a place name in the case of its head, or None to keep it.

    A place (Geox) reading in the head's case wins ("Иванова" after "города" is the
    city Иваново, not the surname); a name already in the nominative stays as written
    ("города Красный Кут", "Республики Дагестан").
    """
    parses = analyzer().parse(word)
    case = head.tag.case
    for parse in parses:
        if "Geox" in parse.tag and parse.tag.case == case:
            return parse.inflect({"nomn"})
    if any(p.tag.case == "nomn" for p in parses):
        return None
    for parse in parses:
        if parse.tag.POS == "NOUN" and parse.tag.case == case:
            return parse.inflect({"nomn"})
    return None


def _shape(original: str, word: str) -> str:
    """Give ``word`` the capitalisation of ``original`` (UPPER, Title-Case-Parts, lower)."""
    if len(original) > 1 and original.isupper():
        return word.upper()
    parts, shapes = word.split("-"), original.split("-")
    if len(parts) != len(shapes):
        shapes = [original] * len(parts)
    return "-".join(
        part[:1].upper() + part[1:] if shape[:1].isupper() else part
        for part, shape in zip(parts, shapes, strict=True)
    )
