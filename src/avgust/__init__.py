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
    SourceText,
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
    "SourceText",
    "__version__",
    "to_dict",
]
