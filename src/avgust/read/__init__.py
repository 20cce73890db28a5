"""Readers for source formats beyond plain text, .docx and text-layer PDFs.

Each module turns one format into text for :func:`avgust._read.read_source`; the parser
never learns which format a text came from. ``office`` converts .doc/.odt/.rtf with
LibreOffice, ``html`` takes the main content of a saved web page, ``ocr`` recognises
scanned PDF pages with Tesseract, ``tables`` turns plan tables into numbered lines and
``add`` fetches and stores a new document (``avgust add``).
"""
