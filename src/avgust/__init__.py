"""avgust: resolutions of Russian August education conferences, parsed, indexed and published.

The public API, in pipeline order (everything else is reachable through the stage packages)::

    config = avgust.load_config()                     # avgust.toml, paths, model
    resolution, problems = avgust.parse_file(path)     # read + parse one document
    report = avgust.run_build(config)                  # the whole pipeline, with a report
    index = avgust.load_index(config)                  # the verified index in index/
    hits = avgust.search.search(index, embedder, "наставничество")
"""

from avgust.config import Config, load_config
from avgust.errors import (
    AvgustError,
    BrowserAssetsError,
    ConfigError,
    IndexStateError,
    Problem,
    Severity,
    SourceError,
)
from avgust.index.embed import get_embedder
from avgust.index.records import DirectiveRecord
from avgust.index.store import Index, load_index
from avgust.parse.batch import check_sources, parse_all
from avgust.parse.parser import parse_file, parse_text
from avgust.pipeline import BuildReport, run_build
from avgust.records import (
    Deadline,
    DeadlineKind,
    Directive,
    Resolution,
    Section,
    Sidecar,
    SimilarDirective,
    SourceText,
    Theme,
    directive_id,
    to_dict,
)
from avgust.search.hybrid import SearchHit
from avgust.version import __version__

__all__ = [
    "AvgustError",
    "BrowserAssetsError",
    "BuildReport",
    "Config",
    "ConfigError",
    "Deadline",
    "DeadlineKind",
    "Directive",
    "DirectiveRecord",
    "Index",
    "IndexStateError",
    "Problem",
    "Resolution",
    "SearchHit",
    "Section",
    "Severity",
    "Sidecar",
    "SimilarDirective",
    "SourceError",
    "SourceText",
    "Theme",
    "__version__",
    "check_sources",
    "directive_id",
    "get_embedder",
    "load_config",
    "load_index",
    "parse_all",
    "parse_file",
    "parse_text",
    "run_build",
    "to_dict",
]
