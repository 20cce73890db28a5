"""Stage 1, read: a source file (and its sidecar) → text. One module per format.

:func:`avgust.read.sources.read_source` reads plain text, .docx and text-layer PDFs itself
and hands the rest to ``office`` (.doc/.odt/.rtf through LibreOffice), ``html`` (the main
content of a saved web page) and ``ocr`` (scanned PDF pages through Tesseract); ``tables``
turns plan tables into numbered lines; the parser never learns which format a text came
from. ``files`` reads only regular files inside their folder, ``sidecar`` the YAML
metadata beside a document, and ``add`` fetches and stores a new document (`avgust add`).
"""
