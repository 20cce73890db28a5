"""Helpers below every stage: file-system rules and text normalisation."""
