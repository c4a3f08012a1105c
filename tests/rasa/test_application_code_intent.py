"""Tests for ApplicationCodeIntent: a message with an application code starts the lookup.

Both directions: a code anywhere in the text (any case, spaces around the dashes, full-width
digits, inside any sentence) makes the lookup intent the prediction whatever the classifier
said; without a code the classifier's prediction is left alone, so "hồ sơ gồm những gì"
stays a documents question.
"""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from typing import Any

import pytest
from components.application_code_intent import OVERRIDE_KEY, ApplicationCodeIntent, contains_application_code
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

ROOT = Path(__file__).resolve().parents[2]

WITH_CODE = [
    "000.21.10.H51-261118-0001",
    "000.21.10.h51-261118-0001",
    "hồ sơ 000.21.10.H51-261118-0001 gồm những gì",
    "ho so 000.21.10.h51 - 261118 - 0001 gom nhung gi",
    "Mã của tôi là 000 21 10 H51 261118 0001, làm ở đâu vậy?",
    "làm hồ sơ ở đâu, mã 000.21.10.H51–261118–0001",  # en dashes
    "tra giúp ０００.２１.１０.H51-261118-0001",  # full-width digits
    "kết quả (000.22.05.H51-261124-0003) thế nào?",
    "hs:000.21.11.H51-261120-0002.",
]
WITHOUT_CODE = [
    "hồ sơ gồm những gì",
    "cần hồ sơ gì",
    "làm hồ sơ ở đâu",
    "hồ sơ xin lý lịch tư pháp gồm gì",
    "tra cứu hồ sơ",
    "mã của tôi là H51-123",  # a code attempt, not a code
    "000.21.10.H51-261318-0001",  # month 13: not a real date
    "gọi 0912345678 giúp tôi",
    "lệ phí 70.000 đồng, nộp ngày 10/12/2025",
    "",
]


def _codes_module() -> Any:
    """dichvucong/applications/codes.py, loaded alone (its package needs SQLAlchemy 2)."""
    spec = importlib.util.spec_from_file_location("application_codes", ROOT / "dichvucong" / "applications" / "codes.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("text", WITH_CODE)
def test_codes_are_recognised(text: str) -> None:
    assert contains_application_code(text)


@pytest.mark.parametrize("text", WITHOUT_CODE)
def test_no_code_no_match(text: str) -> None:
    assert not contains_application_code(text)


@pytest.mark.parametrize("text", WITH_CODE + WITHOUT_CODE)
def test_agrees_with_the_lookup_service(text: str) -> None:
    """The action reads the code with dichvucong.applications.codes: both must agree."""
    assert contains_application_code(text) == bool(_codes_module().extract_application_codes(text))


@pytest.fixture(scope="module")
def component(tmp_path_factory: pytest.TempPathFactory) -> ApplicationCodeIntent:
    return ApplicationCodeIntent.create(
        ApplicationCodeIntent.get_default_config(),
        LocalModelStorage(tmp_path_factory.mktemp("storage")),
        Resource("application_code_intent"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def _predicted(text: str, ranking: list[tuple[str, float]]) -> Message:
    message = Message(data={TEXT: text})
    if ranking:
        message.set(INTENT, {"name": ranking[0][0], "confidence": ranking[0][1]}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [{"name": n, "confidence": c} for n, c in ranking], add_to_output=True)
    return message


@pytest.mark.parametrize("text", WITH_CODE)
@pytest.mark.parametrize("predicted", ["ask_documents", "ask_place", "nlu_fallback", "greet", "stop"])
def test_a_code_always_starts_the_lookup(component: ApplicationCodeIntent, text: str, predicted: str) -> None:
    message = _predicted(text, [(predicted, 0.6), ("check_status", 0.3), ("inform_code", 0.1)])
    component.process([message])

    assert message.get(INTENT) == {"name": "check_status", "confidence": 1.0}
    ranking = [item["name"] for item in message.get(INTENT_RANKING_KEY)]
    assert ranking == ["check_status", predicted, "inform_code"], "the classifier's ranking stays below"
    assert message.get(OVERRIDE_KEY) == {"reason": "application_code", "predicted": predicted}
    assert message.as_dict(only_output_properties=True)[INTENT]["name"] == "check_status"


@pytest.mark.parametrize("predicted", ["check_status", "inform_code", "inform_digits"])
def test_a_lookup_prediction_is_kept(component: ApplicationCodeIntent, predicted: str) -> None:
    message = _predicted("tra cứu hồ sơ 000.21.10.H51-261118-0001", [(predicted, 0.8), ("ask_place", 0.2)])
    component.process([message])

    assert message.get(INTENT) == {"name": predicted, "confidence": 0.8}
    assert message.get(OVERRIDE_KEY) is None


@pytest.mark.parametrize("text", WITHOUT_CODE)
def test_without_a_code_the_prediction_is_kept(component: ApplicationCodeIntent, text: str) -> None:
    message = _predicted(text, [("ask_documents", 0.7), ("check_status", 0.3)])
    component.process([message])

    assert message.get(INTENT) == {"name": "ask_documents", "confidence": 0.7}
    assert [item["name"] for item in message.get(INTENT_RANKING_KEY)] == ["ask_documents", "check_status"]


def test_no_classifier_output_and_other_intent_name(tmp_path: Path) -> None:
    component = ApplicationCodeIntent.create(
        {"intent": "inform_code", "lookup_intents": []},
        LocalModelStorage(tmp_path),
        Resource("x"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    message = _predicted("000.21.10.H51-261118-0001 nhé", [])
    component.process([message])
    assert message.get(INTENT) == {"name": "inform_code", "confidence": 1.0}
    assert message.get(INTENT_RANKING_KEY) == [{"name": "inform_code", "confidence": 1.0}]


NLU_YAML = """\
version: "3.1"
nlu:
- intent: ask_documents
  examples: |
    - hồ sơ gồm những gì
    - cần hồ sơ gì
    - đăng ký kết hôn cần giấy tờ gì
    - hồ sơ xin lý lịch tư pháp gồm gì
    - làm hộ chiếu cần mang theo gì
    - cần chuẩn bị những giấy tờ nào
- intent: ask_place
  examples: |
    - làm hồ sơ ở đâu
    - nộp hồ sơ ở đâu
    - ra đâu làm
    - đăng ký kết hôn nộp chỗ nào
    - làm căn cước ở đâu
    - cơ quan nào giải quyết
- intent: check_status
  examples: |
    - tra cứu hồ sơ
    - hồ sơ của tôi đến đâu rồi
    - kết quả hồ sơ của tôi
    - hồ sơ em nộp hôm trước xong chưa
    - kiểm tra tình trạng hồ sơ
    - hồ sơ của tôi có kết quả chưa
    - mã hồ sơ là 000.00.19.H12-250918-0031
    - 000.00.04.H51-251120-0007
    - đây 000.00.07.H40-250820-0015
"""

CONFIG_YAML = """\
recipe: default.v1
language: vi
assistant_id: test_application_code_intent
pipeline:
  - name: components.vietnamese_tokenizer.VietnameseTokenizer
    lemma_separator: " "
  - name: CountVectorsFeaturizer
    ngram_range: [1, 2]
  - name: components.logistic_regression_intent.LogisticRegressionIntentClassifier
  - name: FallbackClassifier
    threshold: 0.3
  - name: components.application_code_intent.ApplicationCodeIntent
"""


@pytest.fixture(scope="module")
def trained_agent(tmp_path_factory: pytest.TempPathFactory):
    """A tiny model with the component after the classifier and the fallback, loaded back."""
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    workdir = tmp_path_factory.mktemp("code_intent_round_trip")
    (workdir / "config.yml").write_text(CONFIG_YAML, encoding="utf-8")
    (workdir / "nlu.yml").write_text(NLU_YAML, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RASA_CACHE_DIRECTORY", str(workdir / "cache"))
        mp.setenv("RASA_TELEMETRY_ENABLED", "false")
        model_path = train_nlu(str(workdir / "config.yml"), str(workdir / "nlu.yml"), str(workdir / "models"))
        assert model_path is not None
        yield Agent.load(model_path)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hồ sơ gồm những gì", "ask_documents"),
        ("ho so gom nhung gi", "ask_documents"),
        ("làm hồ sơ ở đâu", "ask_place"),
        ("tra cứu hồ sơ", "check_status"),
        ("hồ sơ 000.21.10.H51-261118-0001 gồm những gì", "lookup"),
        ("ho so 000.21.10.h51 - 261118 - 0001 lam o dau", "lookup"),
        ("làm hồ sơ ở đâu, 000.22.05.H51-261124-0003", "lookup"),
        ("HỒ SƠ 000.21.11.H51-261120-0002 CẦN GIẤY TỜ GÌ", "lookup"),
    ],
)
def test_round_trip_in_a_trained_model(trained_agent, text: str, expected: str) -> None:
    result = asyncio.run(trained_agent.parse_message(text))
    if expected == "lookup":
        assert result["intent"]["name"] in {"check_status", "inform_code"}
        if OVERRIDE_KEY in result:
            assert result[OVERRIDE_KEY]["reason"] == "application_code"
    else:
        assert result["intent"]["name"] == expected
        assert OVERRIDE_KEY not in result
    nodes = trained_agent.processor.model_metadata.predict_schema.nodes.values()
    assert ApplicationCodeIntent in {node.uses for node in nodes}
