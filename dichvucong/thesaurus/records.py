"""One synonym group as a file row or a console form gives it, validated the same way."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dichvucong.text.normalize import collapse_spaces, fold

MAX_CANONICAL = 300
MAX_VARIANT = 200
MAX_VARIANTS = 50
MAX_NOTE = 2000
_VOWELS = frozenset("aeiouy")
_FALSE_WORDS = {"0", "false", "không", "khong", "no", "tắt", "tat", "off"}


def split_variants(value: Any) -> list[str]:
    """A ``|``-separated string or a list → cleaned phrases, duplicates (folded) dropped."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        parts = value.split("|")
    elif isinstance(value, list):
        parts = [str(v) for v in value]
    else:
        raise ValueError("phải là danh sách hoặc chuỗi ngăn cách bởi |")
    seen: set[str] = set()
    cleaned: list[str] = []
    for part in parts:
        text = collapse_spaces(part)
        key = fold(text)
        if text and key and key not in seen:
            seen.add(key)
            cleaned.append(text)
    return cleaned


def phrase_problem(text: str) -> str | None:
    """Why ``text`` cannot be a thesaurus phrase (Vietnamese), or ``None`` when it can."""
    folded = fold(text)
    if not folded:
        return f"“{text}” không có chữ nào"
    if len(folded) > MAX_CANONICAL:
        return f"“{text[:40]}…” dài quá {MAX_CANONICAL} ký tự"
    if " " not in folded and len(folded) < 4 and _is_word(folded):
        return f"“{text}” quá ngắn: một tiếng dễ khớp nhầm, hãy nhập cả cụm từ"
    return None


def _is_word(folded: str) -> bool:
    """A syllable with a vowel and no digit ("so", "bia"), as opposed to "kt3" or "xnc"."""
    return not any(ch.isdigit() for ch in folded) and any(ch in _VOWELS for ch in folded)


class SynonymRecord(BaseModel):
    """``canonical`` (the official term), ``variants`` (citizens' names), ``note``, ``enabled``."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    canonical: str = Field(min_length=1, max_length=MAX_CANONICAL)
    variants: list[str] = Field(min_length=1, max_length=MAX_VARIANTS)
    note: str = Field(default="", max_length=MAX_NOTE)
    enabled: bool = True

    @field_validator("canonical", "note", mode="before")
    @classmethod
    def _clean(cls, value: Any) -> Any:
        return "" if value is None else (collapse_spaces(value) if isinstance(value, str) else value)

    @field_validator("variants", mode="before")
    @classmethod
    def _variants(cls, value: Any) -> list[str]:
        return split_variants(value)

    @field_validator("enabled", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        if value in (None, ""):
            return True
        if isinstance(value, str):
            return value.strip().lower() not in _FALSE_WORDS
        return value

    def key(self) -> str:
        """Identity of the group: its folded canonical term (accent- and case-insensitive)."""
        return fold(self.canonical)

    def clean_variants(self) -> list[str]:
        """Variants without the ones that are only the canonical term spelled differently."""
        return [v for v in self.variants if fold(v) != self.key()]

    def problems(self) -> list[str]:
        """Phrases that are unusable (too short, no letters); empty when all are fine."""
        found = [p for p in (phrase_problem(t) for t in (self.canonical, *self.variants)) if p]
        if not found and not self.clean_variants():
            found.append("cần ít nhất một cách gọi khác với thuật ngữ chính")
        return found
