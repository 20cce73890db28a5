"""``mkdocs build --strict`` from docs/ into build/site, swapped in only when it succeeded.

The site is built into a temporary folder next to ``config.site_dir`` and swapped in
only when MkDocs finished without a warning, so a failed build leaves the last good
site in place. The navigation and the site URL reach MkDocs through the avgust plugin
(:mod:`avgust.site.plugin`, registered as the entry point ``mkdocs.plugins: avgust``).

A page whose inputs have not changed since the site in place was built is not rendered
again: the plugin puts its previous HTML back (see :class:`avgust.site.plugin.Reuse`), so a
rebuild after one new resolution renders the pages it touches; a change to anything
site-wide (mkdocs.yml, the navigation, the theme, the avgust code) renders them all.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from avgust.config import Config
from avgust.errors import AvgustError, ConfigError
from avgust.site.csp import protect_site
from avgust.util.fs import make_readable, replace_dir

CONVERSIONS = "site-pages.json"
"""In the cache folder: what converting each page of the site in place told MkDocs."""


def check_mkdocs_file(path: Path) -> None:
    """Refuse a mkdocs.yml that says one key twice in one mapping.

    YAML lets the second ``extra_javascript:`` silently replace the first, and MkDocs
    follows it, so a site would quietly lose its scripts. Composed, not loaded: the file's
    ``!!python/...`` tags are not run.
    """
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"not valid YAML: {exc}", path, mark.line + 1 if mark else None) from exc
    todo = [root] if root is not None else []
    while todo:
        node = todo.pop()
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    line = key.start_mark.line + 1
                    if key.value in seen:
                        raise ConfigError(
                            f"{key.value!r} is given twice (first on line {seen[key.value]}); "
                            "the second would silently replace the first",
                            path,
                            line,
                        )
                    seen[key.value] = line
                todo.append(value)
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@dataclass(frozen=True)
class SiteBuild:
    """Where the site was built, and which pages' HTML was rendered or taken unchanged."""

    path: Path
    rendered: tuple[str, ...]  # HTML files of the pages, relative to the site
    reused: tuple[str, ...]
    converted: tuple[str, ...] = ()  # the pages (src_uri) whose Markdown MkDocs converted


def build_site(config: Config) -> Path:
    """:func:`render_site`; returns config.site_dir."""
    return render_site(config).path


def render_site(config: Config, *, reuse: bool = True) -> SiteBuild:
    """Run ``mkdocs build --strict`` on config.docs_dir into config.site_dir.

    docs/ must have been written by write_pages. Raises AvgustError with MkDocs's
    warnings (a broken link or anchor, a bad page) when the build fails; the site
    that was there before stays untouched then. ``reuse=False`` renders every page.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config as load_mkdocs_config
    from mkdocs.exceptions import MkDocsException

    from avgust.site.plugin import AvgustPlugin, Reuse

    mkdocs_yml = config.mkdocs_file
    if not mkdocs_yml.is_file():
        raise ConfigError("mkdocs.yml not found", mkdocs_yml)
    check_mkdocs_file(mkdocs_yml)
    if not (config.docs_dir / "index.md").is_file():
        raise AvgustError("no generated pages: run `avgust build` first", config.docs_dir)
    target = config.site_dir
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    make_readable(tmp, directory=True)
    warnings = _Warnings()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(warnings)
    try:
        mkdocs_config = load_mkdocs_config(
            config_file=str(mkdocs_yml),
            docs_dir=str(config.docs_dir),
            site_dir=str(tmp),
            site_url=config.public_url,
            strict=True,
        )
        plugin = mkdocs_config.plugins.get("avgust")
        pages = Reuse(target if reuse and target.is_dir() else None, config.cache_dir / CONVERSIONS)
        if isinstance(plugin, AvgustPlugin):
            plugin.reuse = pages
        build(mkdocs_config)
        # the Content-Security-Policy of every page (see avgust.site.csp); a page taken
        # from the previous site has its policy already
        protect_site(tmp, mkdocs_config.theme.dirs, skip=set(pages.reused))
    except (MkDocsException, SystemExit, OSError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        details = "; ".join(warnings.messages[:10]) or str(exc)
        raise AvgustError(f"mkdocs build failed: {details}", mkdocs_yml) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        logger.removeHandler(warnings)
    replace_dir(tmp, target)
    return SiteBuild(target, tuple(pages.rendered), tuple(pages.reused), tuple(pages.converted))


__all__ = ["SiteBuild", "build_site", "check_mkdocs_file", "render_site"]
