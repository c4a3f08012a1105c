"""Vietnamese text handling shared by the NLU components and the search service."""

from dichvucong.text.normalize import fold, has_diacritics, normalize_text, strip_accents, syllables

__all__ = ["fold", "has_diacritics", "normalize_text", "strip_accents", "syllables"]
