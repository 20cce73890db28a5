"""The generated Markdown pages, one module per kind of page."""
