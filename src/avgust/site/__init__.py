"""Stage 6, site: Markdown pages in docs/, mkdocs-material into build/site, the MkDocs plugin."""
