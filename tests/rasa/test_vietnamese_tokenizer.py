"""Tests for the underthesea-based VietnameseTokenizer (Rasa 3.6 graph component).

Modelled on Rasa's tests for JiebaTokenizer. Expected segmentations are what underthesea
9.5.0 produces; a different underthesea version may group syllables differently.

Accented vs unaccented text: underthesea's segmenter was trained on accented text and
groups unaccented syllables differently, often across word boundaries ("can giay" in
"can giay to gi"). The token-level lemma sequences therefore do NOT match between the two
spellings (none of the questions below do), and the tests do not claim they do. What holds,
and is asserted, is that both spellings give the same folded syllables in the same order.
"""

from __future__ import annotations

import asyncio
import random
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from components.vietnamese_tokenizer import VietnameseTokenizer
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from dichvucong.text.normalize import strip_accents


@pytest.fixture(scope="module")
def create_tokenizer(tmp_path_factory: pytest.TempPathFactory):
    """Factory building the component the way Rasa's graph does (``create``)."""
    model_storage = LocalModelStorage(tmp_path_factory.mktemp("model_storage"))
    execution_context = ExecutionContext(GraphSchema({}), "test")

    def inner(config: dict[str, Any] | None = None) -> VietnameseTokenizer:
        return VietnameseTokenizer.create(
            {**VietnameseTokenizer.get_default_config(), **(config or {})},
            model_storage,
            Resource("vietnamese_tokenizer"),
            execution_context,
        )

    return inner


@pytest.fixture(scope="module")
def tokenizer(create_tokenizer) -> VietnameseTokenizer:
    return create_tokenizer()


def tokenize(tokenizer: VietnameseTokenizer, text: str) -> list[Token]:
    return tokenizer.tokenize(Message(data={TEXT: text}), attribute=TEXT)


def assert_tokens_match_original(text: str, tokens: list[Token]) -> None:
    """Token texts are the original characters (white space between syllables -> "_")."""
    for token in tokens:
        assert 0 <= token.start < token.end <= len(text)
        assert not any(ch.isspace() for ch in token.text), token.text
        assert token.text == re.sub(r"\s+", "_", text[token.start : token.end])
    assert [t.start for t in tokens] == sorted(t.start for t in tokens)


def folded_syllables(tokens: list[Token]) -> list[str]:
    return " ".join(t.lemma for t in tokens).replace("_", " ").split()


NFD_SENTENCE = unicodedata.normalize("NFD", "Thủ tục đăng ký kết hôn")


@pytest.mark.parametrize(
    "text, expected_tokens, expected_indices",
    [
        # accented
        (
            "Thủ tục đăng ký kết hôn cần giấy tờ gì?",
            ["Thủ_tục", "đăng_ký", "kết_hôn", "cần", "giấy_tờ", "gì"],
            [(0, 7), (8, 15), (16, 23), (24, 27), (28, 35), (36, 38)],
        ),
        # the same sentence unaccented: underthesea groups the syllables differently
        (
            "thu tuc dang ky ket hon can giay to gi?",
            ["thu", "tuc", "dang", "ky", "ket_hon", "can_giay", "to", "gi"],
            [(0, 3), (4, 7), (8, 12), (13, 15), (16, 23), (24, 32), (33, 35), (36, 38)],
        ),
        # NFD input: offsets refer to the decomposed original (ủ is 3 code points here)
        (
            NFD_SENTENCE,
            [
                unicodedata.normalize("NFD", "Thủ_tục"),
                unicodedata.normalize("NFD", "đăng_ký"),
                unicodedata.normalize("NFD", "kết_hôn"),
            ],
            [(0, 9), (10, 19), (20, 30)],
        ),
        # double spaces, tab, newline, leading and trailing spaces
        (
            "  Làm lại   căn cước\tcông dân\nmất bao nhiêu tiền ",
            ["Làm", "lại", "căn_cước", "công_dân", "mất", "bao_nhiêu", "tiền"],
            [(2, 5), (6, 9), (12, 20), (21, 29), (30, 33), (34, 43), (44, 48)],
        ),
        # a word split over two spaces still becomes one token
        ("hộ  chiếu", ["hộ_chiếu"], [(0, 9)]),
        # punctuation: "?", ",", "...", "!!"
        (
            "Cho hỏi, làm hộ chiếu ở đâu?",
            ["Cho", "hỏi", "làm", "hộ_chiếu", "ở", "đâu"],
            [(0, 3), (4, 7), (9, 12), (13, 21), (22, 23), (24, 27)],
        ),
        (
            "Chờ mãi... chưa thấy kết quả!!",
            ["Chờ", "mãi", "chưa", "thấy", "kết_quả"],
            [(0, 3), (4, 7), (11, 15), (16, 20), (21, 28)],
        ),
        # numbers and money amounts stay one token each
        (
            "Lệ phí là 70.000 đồng, nộp năm 2025, gọi 0912 345 678",
            ["Lệ_phí", "là", "70.000", "đồng", "nộp", "năm", "2025", "gọi", "0912", "345", "678"],
            [
                (0, 6),
                (7, 9),
                (10, 16),
                (17, 21),
                (23, 26),
                (27, 30),
                (31, 35),
                (37, 40),
                (41, 45),
                (46, 49),
                (50, 53),
            ],
        ),
        ("1.500.000 VNĐ", ["1.500.000", "VNĐ"], [(0, 9), (10, 13)]),
        # application codes: one token, not glued to the word before
        (
            "Mã hồ sơ 000.00.04.H51-251120-0007 đâu rồi",
            ["Mã", "hồ_sơ", "000.00.04.H51-251120-0007", "đâu", "rồi"],
            [(0, 2), (3, 8), (9, 34), (35, 38), (39, 42)],
        ),
        (
            "ma ho so 000.00.04.h51-251120-0007.",
            ["ma", "ho", "so", "000.00.04.h51-251120-0007"],
            [(0, 2), (3, 5), (6, 8), (9, 34)],
        ),
        (
            "Kiểm tra hồ sơ 000.00.04.H51-251120-0007 giúp tôi",
            ["Kiểm_tra", "hồ_sơ", "000.00.04.H51-251120-0007", "giúp", "tôi"],
            [(0, 8), (9, 14), (15, 40), (41, 45), (46, 49)],
        ),
    ],
)
def test_vietnamese_tokenizer(
    tokenizer: VietnameseTokenizer,
    text: str,
    expected_tokens: list[str],
    expected_indices: list[tuple[int, int]],
) -> None:
    tokens = tokenize(tokenizer, text)

    assert [t.text for t in tokens] == expected_tokens
    assert [t.start for t in tokens] == [i[0] for i in expected_indices]
    assert [t.end for t in tokens] == [i[1] for i in expected_indices]
    assert_tokens_match_original(text, tokens)


def test_nfd_tokens_are_slices_of_the_original(tokenizer: VietnameseTokenizer) -> None:
    text = unicodedata.normalize("NFD", "Làm lại căn cước ở đâu? Lệ phí bao nhiêu")
    nfc_tokens = tokenize(tokenizer, unicodedata.normalize("NFC", text))
    tokens = tokenize(tokenizer, text)

    assert len(text) > len(unicodedata.normalize("NFC", text))
    assert_tokens_match_original(text, tokens)
    assert [unicodedata.normalize("NFC", t.text) for t in tokens] == [t.text for t in nfc_tokens]
    assert [t.lemma for t in tokens] == [t.lemma for t in nfc_tokens]
    # single-syllable tokens are exactly the original slice, decomposed as typed
    single = [t for t in tokens if "_" not in t.text]
    assert single
    for token in single:
        assert token.text == text[token.start : token.end]
        assert unicodedata.is_normalized("NFD", token.text)


@pytest.mark.parametrize(
    "text, expected_tokens, expected_lemmas",
    [
        ("Làm lại Căn cước", ["Làm", "lại", "Căn_cước"], ["lam", "lai", "can_cuoc"]),
        ("CĂN CƯỚC CÔNG DÂN", ["CĂN_CƯỚC", "CÔNG_DÂN"], ["can_cuoc", "cong_dan"]),
        ("cccd", ["cccd"], ["can_cuoc_cong_dan"]),
        ("CCCD", ["CCCD"], ["can_cuoc_cong_dan"]),
        ("ko", ["ko"], ["khong"]),
        ("dc", ["dc"], ["duoc"]),
        ("đc", ["đc"], ["duoc"]),
        ("j", ["j"], ["gi"]),
        ("bn", ["bn"], ["bao_nhieu"]),
        ("mất bn tiền", ["mất", "bn", "tiền"], ["mat", "bao_nhieu", "tien"]),
        ("đc ko bạn", ["đc", "ko", "bạn"], ["duoc", "khong", "ban"]),
        # numbers and codes keep their separators (so Rasa's __NUMBER__ rule still applies)
        ("70.000", ["70.000"], ["70.000"]),
        ("000.00.04.H51-251120-0007", ["000.00.04.H51-251120-0007"], ["000.00.04.h51-251120-0007"]),
        ("000.00.04.h51-251120-0007", ["000.00.04.h51-251120-0007"], ["000.00.04.h51-251120-0007"]),
    ],
)
def test_lemmas(
    tokenizer: VietnameseTokenizer,
    text: str,
    expected_tokens: list[str],
    expected_lemmas: list[str],
) -> None:
    tokens = tokenize(tokenizer, text)

    assert [t.text for t in tokens] == expected_tokens  # the text keeps what was typed
    assert [t.lemma for t in tokens] == expected_lemmas


@pytest.mark.parametrize(
    "chat, full",
    [
        ("lam lai cccd mat bn tien ko", "Làm lại căn cước công dân mất bao nhiêu tiền không"),
        ("dk ket hon can giay to j", "Đăng ký kết hôn cần giấy tờ gì"),
        ("nop hs online dc ko", "Nộp hồ sơ online được không"),
    ],
)
def test_chat_spelling_shares_syllables_with_full_form(
    tokenizer: VietnameseTokenizer, chat: str, full: str
) -> None:
    assert folded_syllables(tokenize(tokenizer, chat)) == folded_syllables(tokenize(tokenizer, full))


@pytest.mark.parametrize(
    "text", ["", " ", "   ", "\t\n ", "😀", "😀😀👍", "🙏 ❤️", "?!...", "!!", "... 😀 ..."]
)
def test_no_tokens_and_no_crash(create_tokenizer, text: str) -> None:
    tokenizer = create_tokenizer()
    assert tokenize(tokenizer, text) == []

    message = Message(data={TEXT: text})
    tokenizer.process([message])
    assert message.get(TOKENS_NAMES[TEXT]) == []

    example = Message(data={TEXT: text, INTENT: "chao_hoi"})
    tokenizer.process_training_data(TrainingData([example]))
    # the base class skips "" entirely, so the key may be unset
    assert not example.get(TOKENS_NAMES[TEXT])
    assert [t.text for t in example.get(TOKENS_NAMES[INTENT])] == ["chao_hoi"]


def test_long_text(tokenizer: VietnameseTokenizer) -> None:
    sentence = "Tôi muốn hỏi thủ tục đăng ký kết hôn cần những giấy tờ gì, lệ phí 70.000 đồng? "
    text = (sentence * 70)[:5000]
    tokens = tokenize(tokenizer, text)

    assert len(text) == 5000
    assert len(tokens) > 800
    assert_tokens_match_original(text, tokens)


@pytest.mark.parametrize(
    "text",
    [
        "a." * 2500,  # quadratic in underthesea's own regexes (0.3-1 s without the guard)
        "😀" * 5000,
        "x" * 5000,
        "a.a.a.a. " * 555,
        unicodedata.normalize("NFD", "Đăng ký thường trú ở đâu? " * 200),
    ],
    ids=["dot-run", "emoji-run", "letter-run", "spaced-dots", "nfd-sentences"],
)
def test_long_pathological_text_keeps_offsets(tokenizer: VietnameseTokenizer, text: str) -> None:
    """Speed on such input is measured in bench/tokenizer_bench.py, not asserted here."""
    tokens = tokenize(tokenizer, text)
    assert_tokens_match_original(text, tokens)


def test_random_mixed_input_keeps_offsets_valid(tokenizer: VietnameseTokenizer) -> None:
    """Random mixes of NFC/NFD words, codes, emoji, stray marks and white space."""
    rng = random.Random(20251126)
    pieces = [
        "Thủ tục", "căn cước", "đăng ký", "ĐĂNG KÝ", "hộ chiếu", "cccd", "ko", "đc", "70.000",
        "000.00.04.H51-251120-0007", "2025", "?", "...", "!!", ",", "😀", "👍🏻", "❤️", "\u0301",
        "ð", "e-mail", "https://dichvucong.gov.vn", " ", "  ", "\t", "\n", "a." * 60,
    ]  # fmt: skip
    for _ in range(300):
        text = "".join(rng.choice(pieces) + rng.choice(["", " ", "  "]) for _ in range(rng.randint(0, 12)))
        if rng.random() < 0.5:
            text = unicodedata.normalize("NFD", text)
        message = Message(data={TEXT: text})
        tokenizer.process([message])
        assert_tokens_match_original(text, message.get(TOKENS_NAMES[TEXT]))


CITIZEN_QUESTIONS = [
    "Thủ tục đăng ký kết hôn cần giấy tờ gì?",
    "Làm lại căn cước công dân mất bao nhiêu tiền?",
    "Đăng ký khai sinh cho con ở đâu?",
    "Cấp hộ chiếu phổ thông mất bao lâu?",
    "Tôi muốn đổi giấy phép lái xe",
    "Lệ phí cấp lý lịch tư pháp là bao nhiêu?",
    "Hồ sơ đăng ký thường trú gồm những gì?",
    "Làm sao để tra cứu tình trạng hồ sơ?",
    "Xin cấp giấy phép xây dựng nhà ở riêng lẻ",
    "Đăng ký kinh doanh hộ cá thể cần những gì?",
    "Nộp lệ phí trực tuyến như thế nào?",
    "Mất giấy khai sinh thì xin cấp lại bản sao ở đâu?",
]


@pytest.mark.parametrize("accented", CITIZEN_QUESTIONS)
@pytest.mark.parametrize(
    "unaccent",
    [strip_accents, lambda s: strip_accents(s).lower()],
    ids=["no-accents", "no-accents-lower"],
)
def test_accented_and_unaccented_share_folded_syllables(
    tokenizer: VietnameseTokenizer, accented: str, unaccent
) -> None:
    # Token boundaries differ (see module docstring); the folded syllables do not.
    unaccented = unaccent(accented)
    assert folded_syllables(tokenize(tokenizer, accented)) == folded_syllables(
        tokenize(tokenizer, unaccented)
    )


@pytest.mark.parametrize(
    "text, expected_tokens",
    [
        ("hoi_thu_tuc+hoi_le_phi", ["hoi_thu_tuc", "hoi_le_phi"]),
        ("hoi_thu_tuc", ["hoi_thu_tuc"]),
        ("hỏi thủ tục", ["hỏi thủ tục"]),
    ],
)
def test_custom_intent_symbol(create_tokenizer, text: str, expected_tokens: list[str]) -> None:
    tokenizer = create_tokenizer({"intent_tokenization_flag": True, "intent_split_symbol": "+"})

    message = Message(data={TEXT: text})
    message.set(INTENT, text)

    tokenizer.process_training_data(TrainingData([message]))

    assert [t.text for t in message.get(TOKENS_NAMES[INTENT])] == expected_tokens


def test_component_contract() -> None:
    config = VietnameseTokenizer.get_default_config()

    assert config["intent_tokenization_flag"] is False
    assert config["intent_split_symbol"] == "_"
    assert config["token_pattern"] is None
    assert VietnameseTokenizer.required_packages() == ["underthesea"]
    assert VietnameseTokenizer.supported_languages() == ["vi"]


NLU_YAML = """\
version: "3.1"
nlu:
- intent: hoi_dang_ky_ket_hon
  examples: |
    - Thủ tục đăng ký kết hôn cần giấy tờ gì?
    - Đăng ký kết hôn cần những giấy tờ gì
    - Đăng ký kết hôn ở đâu?
    - Tôi muốn đăng ký kết hôn
    - Hồ sơ đăng ký kết hôn gồm những gì
    - Kết hôn với người nước ngoài cần giấy tờ gì
    - Lệ phí đăng ký kết hôn là bao nhiêu?
    - Làm giấy chứng nhận kết hôn thế nào
- intent: hoi_cap_lai_can_cuoc
  examples: |
    - Làm lại căn cước công dân mất bao nhiêu tiền?
    - Tôi bị mất căn cước, làm lại ở đâu?
    - Cấp lại căn cước công dân cần gì
    - Thẻ căn cước bị hỏng thì cấp đổi thế nào
    - Đổi căn cước công dân mất bao lâu
    - Làm căn cước cho con cần giấy tờ gì
    - Căn cước hết hạn phải làm sao
    - Thủ tục cấp đổi thẻ căn cước
- intent: hoi_ho_chieu
  examples: |
    - Cấp hộ chiếu phổ thông mất bao lâu?
    - Làm hộ chiếu ở đâu
    - Hộ chiếu hết hạn thì gia hạn thế nào
    - Lệ phí làm hộ chiếu là bao nhiêu
    - Làm hộ chiếu online được không
    - Hồ sơ cấp hộ chiếu cần những gì
    - Tôi muốn làm hộ chiếu cho con
    - Mất hộ chiếu phải làm gì
"""

CONFIG_YAML = """\
recipe: default.v1
language: vi
assistant_id: test_vietnamese_tokenizer
pipeline:
  - name: components.vietnamese_tokenizer.VietnameseTokenizer
  - name: CountVectorsFeaturizer
  - name: LogisticRegressionClassifier
"""


@pytest.fixture(scope="module")
def trained_agent(tmp_path_factory: pytest.TempPathFactory):
    """Train a tiny NLU model with the tokenizer, then load it back from the archive."""
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    workdir: Path = tmp_path_factory.mktemp("nlu_round_trip")
    (workdir / "config.yml").write_text(CONFIG_YAML, encoding="utf-8")
    (workdir / "nlu.yml").write_text(NLU_YAML, encoding="utf-8")

    with pytest.MonkeyPatch.context() as mp:
        # keep Rasa's training cache out of the repository and telemetry off
        mp.setenv("RASA_CACHE_DIRECTORY", str(workdir / "cache"))
        mp.setenv("RASA_TELEMETRY_ENABLED", "false")
        model_path = train_nlu(str(workdir / "config.yml"), str(workdir / "nlu.yml"), str(workdir / "models"))
        assert model_path is not None
        yield Agent.load(model_path)


@pytest.mark.parametrize(
    "accented, expected_intent",
    [
        ("Đăng ký kết hôn cần giấy tờ gì", "hoi_dang_ky_ket_hon"),
        ("Làm lại căn cước mất bao nhiêu tiền", "hoi_cap_lai_can_cuoc"),
    ],
)
def test_persist_and_load_round_trip(trained_agent, accented: str, expected_intent: str) -> None:
    unaccented = strip_accents(accented).lower()
    if expected_intent == "hoi_dang_ky_ket_hon":
        assert unaccented == "dang ky ket hon can giay to gi"

    accented_result = asyncio.run(trained_agent.parse_message(accented))
    unaccented_result = asyncio.run(trained_agent.parse_message(unaccented))

    assert accented_result["intent"]["name"] == expected_intent
    assert unaccented_result["intent"]["name"] == expected_intent
    # the graph loaded from the archive really uses this tokenizer
    predict_nodes = trained_agent.processor.model_metadata.predict_schema.nodes.values()
    assert VietnameseTokenizer in {node.uses for node in predict_nodes}


@pytest.mark.parametrize(
    ("accented", "plain"),
    [
        ("Đăng ký khai sinh cần giấy tờ gì", "dang ky khai sinh can giay to gi"),
        ("Làm lại căn cước công dân mất bao nhiêu tiền", "lam lai cccd mat bn tien"),
        ("Hồ sơ của tôi đến đâu rồi", "ho so cua toi den dau roi"),
    ],
)
def test_space_separated_lemmas_make_accents_irrelevant_to_featurizers(create_tokenizer, accented: str, plain: str) -> None:
    """With lemma_separator " " (our config), CountVectorsFeaturizer sees the same syllables."""
    tokenizer = create_tokenizer({"lemma_separator": " "})
    syllables = lambda text: " ".join(t.lemma for t in tokenize(tokenizer, text)).split()  # noqa: E731
    assert syllables(accented) == syllables(plain)
