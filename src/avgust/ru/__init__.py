"""The Russian-language toolkit: morphology, words and lemmas, the school calendar, dates."""
