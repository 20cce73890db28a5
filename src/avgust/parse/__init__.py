"""Stage 2, parse: text → Resolution → Directive → Deadline; the batch behind `check`."""
