"""Vietnamese word tokenizer for Rasa, built on underthesea's word segmentation.

Vietnamese puts a space between syllables, not between words: "thủ tục" is one word.
underthesea groups the syllables into words; this component turns each word into one
Rasa token whose text joins the syllables with "_" ("thủ_tục"), so that featurizers which
split on spaces keep the word whole. Each token's lemma is the folded form from
:mod:`dichvucong.text.normalize` ("Thủ tục" -> "thu_tuc", "cccd" -> "can_cuoc_cong_dan"),
which Rasa's CountVectorsFeaturizer uses by default.

Limitation: underthesea was trained on accented text. On text typed without accents it
groups syllables differently, often across word boundaries ("can giay" in "can giay to gi"),
so accented and unaccented spellings share the same folded syllables but usually not the
same tokens. A character n-gram featurizer (``analyzer: char_wb``) bridges that gap.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message
from underthesea import word_tokenize

from dichvucong.text.normalize import fold, strip_accents

# Longest run without white space handed to underthesea. Its URL/abbreviation regexes are
# quadratic on such runs (5,000 characters of "a.a.a…" take about a second), and a run
# this long is a link or garbage, not Vietnamese words, so it becomes a single unit.
_MAX_RUN = 100

# Application codes and numbers with inner separators ("000.00.04.H51-251120-0007",
# "70.000", "10/12/2025", "5-7"): every segment holds a digit. underthesea would cut the code
# ("000.00.04", ".", "H51-251120-0007") and may glue a number to the word before it.
_SEGMENT = r"[^\W\d_]*\d[^\W_]*"
_CODE = rf"(?<![\w./-]){_SEGMENT}(?:[./-]{_SEGMENT})+"

# Units cut out before segmentation: long runs and codes (one token each) and line
# breaks (no word spans two lines). The text between them goes to underthesea.
_UNITS_RE = re.compile(
    rf"(?P<run>(?<!\S)\S{{{_MAX_RUN + 1},}})|(?P<code>{_CODE})|(?P<br>[\n\r\v\f\u2028\u2029]+)"
)
_LETTERS_RE = re.compile(r"[^\W\d_]+")  # a syllable made of letters only
_ALNUM_RE = re.compile(r"[^\W_]")  # a letter or digit: tokens without one are dropped
_WORD_RE = re.compile(r"[^\W_]+")  # a plain word (letters and digits), folded for the lemma

Span = tuple[int, int]


def _compose(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """NFC-compose ``text``, returning for each composed character its original span.

    Returns ``(composed, starts, ends)``; ``starts``/``ends`` are ``None`` when the text
    already is NFC (offsets are then the same). Each base character is composed with the
    combining marks that follow it, so "a" + U+0300 becomes "à" mapped back to both.
    """
    if unicodedata.is_normalized("NFC", text):
        return text, None, None
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    chunk_start = 0
    for i in range(1, len(text) + 1):
        if i < len(text) and unicodedata.combining(text[i]):
            continue
        chunk = text[chunk_start:i]
        composed = unicodedata.normalize("NFC", chunk)
        if composed == chunk:
            starts.extend(range(chunk_start, i))
            ends.extend(range(chunk_start + 1, i + 1))
        else:
            starts.extend([chunk_start] * len(composed))
            ends.extend([i] * len(composed))
        parts.append(composed)
        chunk_start = i
    return "".join(parts), starts, ends


def _segment(text: str, start: int, end: int) -> Iterator[list[Span]]:
    """Yield, for each word underthesea finds in ``text[start:end]``, its syllable spans."""
    cursor = start
    # use_token_normalize=False: no spelling fixes ("nghành" -> "ngành") that would change
    # lengths; underthesea then only NFC-normalises and maps "ð" to "đ", one for one.
    for word in word_tokenize(text[start:end], use_token_normalize=False):
        spans: list[Span] = []
        for syllable in word.split():
            while cursor < end and text[cursor].isspace():
                cursor += 1
            if text.startswith(syllable, cursor):
                stop = cursor + len(syllable)
            else:  # rewritten by underthesea: same length, but never cross white space
                stop = cursor
                while stop < end and stop - cursor < len(syllable):
                    if text[stop].isspace():
                        break
                    stop += 1
            if stop > cursor:
                spans.append((cursor, stop))
            cursor = stop
        if spans:
            yield spans


def _words(text: str) -> Iterator[list[Span]]:
    """Yield the syllable spans of every word of an NFC ``text``, in order."""
    position = 0
    for match in _UNITS_RE.finditer(text):
        if text[position : match.start()].strip():
            yield from _segment(text, position, match.start())
        if match.lastgroup != "br":
            yield [match.span()]
        position = match.end()
    if text[position:].strip():
        yield from _segment(text, position, len(text))


def _lemma(syllables: list[str], separator: str = "_") -> str:
    """Folded matching form: "Căn", "cước" -> "can_cuoc"; "cccd" -> "can_cuoc_cong_dan".

    Plain words go through :func:`fold` (lower case, chat spellings expanded, accents
    stripped). Numbers and codes only lose case and accents and keep their separators
    ("70.000", "000.00.04.h51-251120-0007"); ``fold`` would drop the dots.
    """
    # Some legacy encodings produce "ð" (eth) for "đ"; underthesea reads it as "đ", so do we.
    syllables = [s.replace("ð", "đ").replace("Ð", "Đ") for s in syllables]
    parts = [fold(s) if _WORD_RE.fullmatch(s) else strip_accents(s.lower()) for s in syllables]
    return separator.join(part.replace(" ", separator) for part in parts)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(Tokenizer):
    """Tokenizer that segments Vietnamese words with underthesea (syllables joined by "_").

    Offsets refer to the original message, also when it was typed in NFD or with
    irregular white space; token texts keep the characters as typed. Punctuation- and
    emoji-only tokens are dropped (a message of only those gets no tokens), numbers and
    application codes stay one token.
    """

    @staticmethod
    def supported_languages() -> list[str] | None:
        """Supported languages (see parent class for full docstring)."""
        return ["vi"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Returns the component's default config."""
        return {
            # Flag to check whether to split intents
            "intent_tokenization_flag": False,
            # Symbol on which intent should be split
            "intent_split_symbol": "_",
            # Regular expression to detect tokens
            "token_pattern": None,
            # Symbol on which prefix should be split
            "prefix_separator_symbol": None,
            # What joins the syllables of a lemma. "_" keeps a word one feature; " " lets
            # CountVectorsFeaturizer count syllables (and syllable pairs with ngram_range),
            # which does not depend on how underthesea segmented the text, so accented
            # and unaccented typing give the same features.
            "lemma_separator": "_",
        }

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> VietnameseTokenizer:
        """Creates a new component (see parent class for full docstring)."""
        return cls(config)

    @staticmethod
    def required_packages() -> list[str]:
        """Any extra python dependencies required for this component to run."""
        return ["underthesea"]

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Tokenizes the text of the provided attribute of the incoming message."""
        text = message.get(attribute)
        if not text or text.isspace():
            return []
        composed, starts, ends = _compose(text)

        tokens = []
        for spans in _words(composed):
            # Only letter syllables form a multi-syllable word; underthesea sometimes
            # glues a number to the word before it ("so 000.00.04").
            if len(spans) > 1 and not all(_LETTERS_RE.fullmatch(composed[s:e]) for s, e in spans):
                groups = [[span] for span in spans]
            else:
                groups = [spans]
            for group in groups:
                syllables = [composed[s:e] for s, e in group]
                if not any(_ALNUM_RE.search(s) for s in syllables):
                    continue  # punctuation, symbols, emoji
                if starts is not None and ends is not None:
                    group = [(starts[s], ends[e - 1]) for s, e in group]
                tokens.append(
                    Token(
                        "_".join(text[s:e] for s, e in group),
                        group[0][0],
                        end=group[-1][1],
                        lemma=_lemma(syllables, self._config.get("lemma_separator", "_")),
                    )
                )
        return self._apply_token_pattern(tokens)
