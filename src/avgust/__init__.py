"""avgust: resolutions of Russian August education conferences, parsed, indexed and published."""

from avgust._types import (
    AvgustError,
    Deadline,
    DeadlineKind,
    Directive,
    Problem,
    Resolution,
    Section,
    Severity,
    Sidecar,
    SimilarDirective,
    SourceText,
    Theme,
    directive_id,
    to_dict,
)

__version__ = "0.1.0"

__all__ = [
    "AvgustError",
    "Deadline",
    "DeadlineKind",
    "Directive",
    "Problem",
    "Resolution",
    "Section",
    "Severity",
    "Sidecar",
    "SimilarDirective",
    "SourceText",
    "Theme",
    "__version__",
    "directive_id",
    "to_dict",
]
