"""Sidecar metadata: the YAML file next to a source that sets or corrects what the text says.

``resolutions/2020-muchkapskij.txt`` → ``resolutions/2020-muchkapskij.yml`` (or
``.yaml``). Every key is optional::

    kind: решение              # or резолюция: what the document calls itself
    title: …                   # only when the text's own title is unusable
    district: Мучкапский район # nominative
    region: Тамбовская область
    date: 2020-08-26           # ISO date; quoted or not
    source_url: https://…      # where the document was published
    notes: …                   # what a reader should know (corrections, doubts)
    slug: 2020-muchkapskij     # a-z, 0-9 and "-"; default: <year>-<district> or the file name
    retrieved: 2026-09-01      # the day the original was fetched (``avgust add``)
    sha256: 3f1c…              # the sha256 of the original as fetched (64 hex digits)

An empty value (``title:``) means "not set". Errors name the sidecar file and the
line. A sidecar is at most :data:`MAX_SIDECAR_BYTES`, each value at most its
:data:`MAX_FIELD_CHARS`, without control characters; bidi controls and zero-width
characters are removed with a warning.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from avgust.errors import Problem, Severity, SourceError
from avgust.read.files import read_regular
from avgust.records import Sidecar, SourceText

SIDECAR_KEYS = (
    "kind",
    "title",
    "district",
    "region",
    "date",
    "source_url",
    "notes",
    "slug",
    "retrieved",
    "sha256",
)
SIDECAR_SUFFIXES = (".yml", ".yaml")

#: A sidecar larger than this is refused unread (real ones are under 2 KiB).
MAX_SIDECAR_BYTES = 64 * 1024
#: The longest value each key may have, in characters (after stripping).
MAX_FIELD_CHARS = {
    "kind": 100,
    "title": 1_000,
    "district": 200,
    "region": 200,
    "source_url": 2_000,
    "notes": 10_000,
    "slug": 80,
}
#: Invisible characters that reorder or hide text (bidi controls, zero-width marks):
#: removed from every value, with a warning naming the sidecar and the line.
INVISIBLE_CHARS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
    "\u200b\u200c\u200d\u2060\ufeff"
)

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def sidecar_path(source: Path) -> Path:
    """The sidecar of a source: ``X.yml`` next to it, or ``X.yaml`` if only that exists."""
    yml = source.with_suffix(".yml")
    yaml_path = source.with_suffix(".yaml")
    return yaml_path if yaml_path.exists() and not yml.exists() else yml


def load_sidecar(source: Path) -> Sidecar | None:
    """Read and check the sidecar of a source; None when it has none.

    An empty sidecar (or one with only comments) gives an empty Sidecar. Raises
    SourceError with the sidecar's path and line for YAML syntax errors, a top
    level that is not a mapping, an unknown or repeated key, or a value of the
    wrong type. Warnings (see :func:`read_sidecar`) are dropped.
    """
    return read_sidecar(source)[0]


def read_sidecar(source: Path) -> tuple[Sidecar | None, list[Problem]]:
    """:func:`load_sidecar` with its warnings: invisible characters removed from values.

    Besides the errors of :func:`load_sidecar`, refuses a sidecar that is not a regular
    file in the source's folder (a FIFO is never opened), one over
    :data:`MAX_SIDECAR_BYTES`, a value over its :data:`MAX_FIELD_CHARS`, control
    characters, and a ``source_url`` with a user part (``user:pass@host``).
    """
    path = sidecar_path(source)
    if os.path.lexists(source.with_suffix(".yml")) and os.path.lexists(source.with_suffix(".yaml")):
        raise SourceError(
            f"two sidecars for {source.name}: {path.name} and "
            f"{source.with_suffix('.yaml').name}; keep one",
            path,
        )
    if not os.path.lexists(path):
        return None, []
    data = read_regular(path, MAX_SIDECAR_BYTES)
    if len(data) > MAX_SIDECAR_BYTES:
        raise SourceError(
            f"sidecar too large: over {MAX_SIDECAR_BYTES:,} bytes (real ones are a few lines)",
            path,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError("sidecar is not UTF-8 text", path) from exc
    warnings: list[Problem] = []
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError as exc:  # "[[[[…" thousands deep: PyYAML's parser recurses
        raise SourceError("the sidecar nests lists or mappings too deeply", path) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = " ".join(filter(None, (exc.context, exc.problem))) or "invalid YAML"
        raise SourceError(f"YAML syntax error: {problem}", path, line) from exc
    except yaml.YAMLError as exc:
        raise SourceError(f"YAML error: {exc}", path) from exc
    if root is None or root.tag == "tag:yaml.org,2002:null":  # no document, or "---" alone
        return Sidecar(), warnings
    if not isinstance(root, yaml.MappingNode):
        raise SourceError(
            "the sidecar must be a mapping of keys to values (key: value lines)",
            path,
            root.start_mark.line + 1,
        )
    constructor = yaml.SafeLoader("")
    values: dict[str, str | None] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "(not a plain key)"
        if key not in SIDECAR_KEYS:
            raise SourceError(
                f"unknown key {key!r}; allowed keys: {', '.join(SIDECAR_KEYS)}", path, line
            )
        if key in lines:
            raise SourceError(f"key {key!r} repeated (first on line {lines[key]})", path, line)
        lines[key] = line
        value_line = value_node.start_mark.line + 1
        if not isinstance(value_node, yaml.ScalarNode):
            # not constructed: aliases can make a small list of lists expand to billions
            shape = "a list" if isinstance(value_node, yaml.SequenceNode) else "a mapping"
            wanted = "an ISO date YYYY-MM-DD" if key in ("date", "retrieved") else "text"
            raise SourceError(f"{key} must be {wanted}, not {shape}", path, value_line)
        try:
            value = constructor.construct_object(value_node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError) as exc:
            what = f"date {value_node.value!r} is not a real day" if key == "date" else key
            raise SourceError(f"{what}: {exc}", path, value_line) from exc
        if isinstance(value, str):
            value = _visible(key, value, path, value_line, warnings)
        values[key] = _check(key, value, path, value_line)
    return Sidecar(**values), warnings


def _visible(key: str, value: str, path: Path, line: int, warnings: list[Problem]) -> str:
    """``value`` without bidi controls and zero-width characters; control characters refused."""
    hidden = sorted({f"U+{ord(ch):04X}" for ch in value if ch in INVISIBLE_CHARS})
    if hidden:
        value = "".join(ch for ch in value if ch not in INVISIBLE_CHARS)
        warnings.append(
            Problem(
                str(path),
                f"{key}: removed invisible characters {', '.join(hidden)} "
                "(they reorder or hide text)",
                line,
            )
        )
    allowed = "\n\t" if key == "notes" else ""
    control = next(
        (ch for ch in value.strip() if unicodedata.category(ch) == "Cc" and ch not in allowed),
        None,
    )
    if control is not None:
        raise SourceError(
            f"{key} holds the control character U+{ord(control):04X}; remove it", path, line
        )
    return value


def _check(key: str, value: Any, path: Path, line: int) -> str | None:
    if value is None:
        return None
    if key in ("date", "retrieved"):
        return _check_date(value, path, line, key)
    if not isinstance(value, str):
        raise SourceError(
            f"{key} must be text, not {_yaml_type(value)} ({value!r}); quote it", path, line
        )
    text: str = value.strip()
    if not text:
        return None
    limit = MAX_FIELD_CHARS.get(key)
    if limit is not None and len(text) > limit:
        raise SourceError(
            f"{key} is {len(text):,} characters long; the limit is {limit:,}", path, line
        )
    if key == "slug" and not _SLUG.fullmatch(text):
        raise SourceError(
            f"slug {text!r} may hold only a-z, 0-9 and single hyphens between them",
            path,
            line,
        )
    if key == "sha256" and not _SHA256.fullmatch(text):
        raise SourceError(f"sha256 {text!r} must be 64 lowercase hex digits", path, line)
    if key == "source_url":
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SourceError(f"source_url {text!r} is not an http(s) address", path, line)
        if "@" in parts.netloc:
            raise SourceError(
                f"source_url {text!r} has a user part before '@' (it would read as another "
                "site's address); give the address without it",
                path,
                line,
            )
    return text


def _check_date(value: Any, path: Path, line: int, key: str = "date") -> str:
    if isinstance(value, dt.datetime):
        raise SourceError(f"{key} must be a day (YYYY-MM-DD) without a time: {value}", path, line)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError as exc:
            raise SourceError(f"{key} {value!r} is not a real day: {exc}", path, line) from exc
    raise SourceError(f"{key} must be an ISO date YYYY-MM-DD, not {value!r}", path, line)


def _yaml_type(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "a list",
        dict: "a mapping",
    }
    return names.get(type(value), type(value).__name__)


def changed_since_added(source: SourceText, sidecar: Sidecar | None) -> Problem | None:
    """A warning when the source is no longer the file whose sha256 ``avgust add`` wrote.

    What ``add`` inferred into the sidecar (district, date, kind) was read from the
    original; a replaced file may no longer match it.
    """
    if sidecar is None or sidecar.sha256 is None or source.sha256 == sidecar.sha256:
        return None
    return Problem(
        str(sidecar_path(source.path)),
        f"{source.path.name} has changed since it was added (sha256 {source.sha256[:12]}…, the "
        f"sidecar says {sidecar.sha256[:12]}…): check the sidecar's fields against the new "
        "file, then set its sha256 or remove the line",
        severity=Severity.WARNING,
    )
