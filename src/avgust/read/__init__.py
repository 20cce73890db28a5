"""Stage 1, read: a source file (and its sidecar) → text. One reader per format."""
