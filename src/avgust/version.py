"""The version of avgust (in the index manifest and `avgust --version`)."""

__version__ = "0.1.0"
