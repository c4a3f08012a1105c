"""The learned second opinion on the selection rules: its shipped weights, how it decides,
and the logistic fit it is trained with."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dichvucong.assistant.learned_selection import (
    FEATURES,
    MODEL_PATH,
    Context,
    SelectionModel,
    reconsider,
)
from dichvucong.assistant.logistic import fit_logistic
from dichvucong.assistant.selection import Decision, Question, Selection
from dichvucong.search.index import SearchHit


def test_the_shipped_model_weighs_every_signal_and_was_not_trained_on_the_frozen_set() -> None:
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert set(data["ranker"]) == set(FEATURES) == set(data["answer"])
    assert "frozen" not in data["trained_on"] and data["questions"] >= 1000
    model = SelectionModel.load()
    assert 0 < model.threshold < 1 and len(model.ranker) == len(FEATURES)


def test_a_model_missing_a_signal_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    del data["ranker"]["own_match"]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="own_match"):
        SelectionModel.load(path)


def _model(ranker: dict[str, float], answer: dict[str, float], intercept: float, threshold: float = 0.5) -> SelectionModel:
    return SelectionModel(
        tuple(ranker.get(f, 0.0) for f in FEATURES), (*(answer.get(f, 0.0) for f in FEATURES), 0.0), intercept, threshold
    )


def _row(**signals: float) -> dict[str, float]:
    return {name: signals.get(name, 0.0) for name in FEATURES}


# A toy model: the ranker prefers coverage; the answer check passes a unit covering most of
# the question (logit = 10 * coverage - 6, so coverage 0.6 is the 50 % line).
TOY = _model({"coverage": 1.0}, {"coverage": 10.0}, -6.0)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # The ranker's best passes the check: it is the answer, whatever the rules chose.
        ([_row(coverage=0.9), _row(coverage=0.5, rules_choice=1)], 0),
        # The ranker's best fails the check but is the rules' choice too: kept.
        ([_row(coverage=0.4, rules_choice=1), _row(coverage=0.2)], 0),
        # The ranker's best fails the check and the rules chose an FAQ that fails it too:
        # "not found".
        ([_row(coverage=0.5), _row(coverage=0.3, rules_choice=1, is_faq=1)], None),
        # ... but a procedure the rules chose is kept.
        ([_row(coverage=0.5), _row(coverage=0.3, rules_choice=1)], 1),
        # Nothing passes and the rules chose nothing: "not found".
        ([_row(coverage=0.5), _row(coverage=0.3)], None),
        ([], None),
    ],
)
def test_how_the_learned_step_decides(rows: list[dict[str, float]], expected: int | None) -> None:
    assert TOY.decide(rows) == expected


# A toy whose ranker and answer check read only the search confidence: sure of a unit that
# shares one word with the question.
SURE_OF_SCORE = _model({"score": 1.0}, {"score": 10.0}, -5.0)


@pytest.mark.parametrize(
    ("weak", "expected"),
    [
        # The check passes a unit the citizen hardly named and that holds a fifth of the
        # question: the rules' procedure stays.
        (_row(score=0.9, coverage=0.21, name_match=0.12), 1),
        # Part of its name said, or as much of the question as an FAQ must hold: it answers.
        (_row(score=0.9, coverage=0.21, name_match=0.3), 0),
        (_row(score=0.9, coverage=0.35, name_match=0.12), 0),
    ],
)
def test_the_learned_step_answers_only_with_a_unit_worth_answering(weak: dict[str, float], expected: int) -> None:
    rules_choice = _row(score=0.3, coverage=0.6, name_match=0.8, rules_choice=1)
    assert SURE_OF_SCORE.decide([weak, rules_choice]) == expected


def _hit(kind: str, code: str, coverage: float, name_match: float = 0.6, terms: frozenset[str] = frozenset({"a"})) -> SearchHit:
    aspects = frozenset({"overview", "fee"}) if kind == "procedure" else frozenset()
    return SearchHit(kind, 1, code, code, 0.8, 10.0, name_match, coverage, (), "", aspects, terms)  # type: ignore[arg-type]


CONTEXT = Context(aspects=["fee"], named_aspects=["fee"], yes_no=False, min_score=0.4)
QUESTION = Question(["a"], lambda _t: 1.0)


def test_a_follow_up_and_a_choice_stay_with_the_rules() -> None:
    hits = [_hit("faq", "faq-1", 0.9), _hit("procedure", "1.0", 0.5)]
    follow_up = Selection(Decision.PROCEDURE, procedure_code="1.0", procedure=hits[1])
    assert reconsider(TOY, QUESTION, hits, follow_up, CONTEXT, current_code="1.0") is follow_up
    choice = Selection(Decision.CHOICE, choices=[hits[1]])
    assert reconsider(TOY, QUESTION, hits, choice, CONTEXT) is choice


def test_the_learned_step_can_prefer_an_faq_the_rules_passed_over() -> None:
    hits = [_hit("procedure", "1.0", 0.5, terms=frozenset({"b"})), _hit("faq", "faq-1", 0.9)]
    rules = Selection(Decision.PROCEDURE, procedure_code="1.0", procedure=hits[0])
    chosen = reconsider(TOY, QUESTION, hits, rules, CONTEXT)
    assert chosen.decision is Decision.FAQ and chosen.faq is hits[1]


def test_a_bare_catalogue_name_is_kept_rather_than_not_found() -> None:
    """"Not updated yet, ask here" for a national name says more than "not found"."""
    bare = SearchHit("procedure", 2, "9.9", "Tên", 0.8, 10.0, 0.9, 0.3, (), "", frozenset({"overview"}), frozenset({"a"}))
    rules = Selection(Decision.PROCEDURE, procedure_code="9.9", procedure=bare)
    kept = reconsider(TOY, QUESTION, [_hit("faq", "faq-1", 0.5), bare], rules, CONTEXT)
    assert kept.decision is Decision.PROCEDURE and kept.procedure_code == "9.9"


def test_the_logistic_fit_recovers_a_known_model() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(4000, 3))
    true_w, true_b = np.array([2.0, -1.0, 0.0]), 0.5
    y = (rng.random(4000) < 1 / (1 + np.exp(-(x @ true_w + true_b)))).astype(float)
    w, b = fit_logistic(x, y, c=10.0)
    assert np.allclose(w, true_w, atol=0.25) and abs(b - true_b) < 0.25
    # Stronger regularisation pulls the weights towards zero (the intercept is not penalised).
    small, _ = fit_logistic(x, y, c=0.0005)
    assert np.abs(small).sum() < np.abs(w).sum()
    no_intercept, zero = fit_logistic(x, y, c=10.0, intercept=False)
    assert zero == 0.0 and no_intercept.shape == (3,)


# -- word associations -------------------------------------------------------------------------
def test_associations_pair_the_words_a_right_unit_lacks_with_the_words_of_its_names() -> None:
    from dichvucong.assistant.learned_selection import learn_associations

    # Two southern questions say "lãnh" where the FAQs they reached say "hưởng"; one says it
    # of something else. A pair met once is not kept.
    labelled = [
        (["lanh", "that_nghiep"], frozenset({"that_nghiep", "huong"}), frozenset({"huong", "that_nghiep"})),
        (["lanh", "luong_huu"], frozenset({"luong_huu", "huong"}), frozenset({"huong", "luong_huu"})),
        (["lanh", "ket_qua"], frozenset({"ket_qua", "nhan"}), frozenset({"nhan", "ket_qua"})),
    ]
    associations = learn_associations(labelled)
    assert associations == {"lanh": {"huong": 0.5}}  # 2 of the 3 questions with "lãnh" unmatched, plus one


def test_a_unit_whose_names_hold_the_associate_of_an_unmatched_word_scores_it() -> None:
    from dichvucong.assistant.learned_selection import association_scores

    question = Question(["lanh", "that_nghiep"], lambda term: 1.0)
    says_huong = (frozenset({"that_nghiep", "huong"}), frozenset({"that_nghiep", "huong"}))
    says_nothing_of_it = (frozenset({"that_nghiep", "thoi_gian"}), frozenset({"that_nghiep", "thoi_gian"}))
    contains_lanh = (frozenset({"that_nghiep", "lanh", "huong"}), frozenset({"that_nghiep", "huong"}))
    scores = association_scores(question, [says_huong, says_nothing_of_it, contains_lanh], {"lanh": {"huong": 0.5}})
    # Half the question's weight is "lãnh", which the first unit lacks but names by its
    # associate; the third contains "lãnh" itself (coverage counts it, not the association).
    assert scores == [0.25, 0.0, 0.0]


def test_the_shipped_model_carries_its_associations() -> None:
    model = SelectionModel.load()
    strengths = [v for associates in model.associations.values() for v in associates.values()]
    assert len(strengths) >= 1000 and all(0.0 < v <= 1.0 for v in strengths)


def test_earlier_words_remember_which_unit_citizens_reached_with_words_it_lacks() -> None:
    from dichvucong.assistant.learned_selection import earlier_word_scores, learn_earlier_words

    # Two citizens reached the FAQ on flying without an ID card by "bay" (it says "máy bay"
    # nowhere in its own words); one reached a procedure with it.
    faq, procedure = "faq:faq-168", "procedure:1.012353"
    earlier = learn_earlier_words([
        (["bay", "can_cuoc"], frozenset({"can_cuoc"}), faq),
        (["bay", "giay"], frozenset({"giay"}), faq),
        (["bay", "doi"], frozenset({"doi"}), procedure),
    ])
    assert earlier["bay"] == {faq: 0.5, procedure: 0.25}
    question = Question(["bay", "can_cuoc"], lambda term: 1.0)
    scores = earlier_word_scores(question, [(frozenset({"can_cuoc"}), faq), (frozenset({"can_cuoc"}), "faq:other")], earlier)
    assert scores == [0.25, 0.0]  # half the question is "bay", worth 0.5 for that FAQ


def test_the_shipped_model_carries_earlier_words_of_units_of_the_demo_data() -> None:
    model = SelectionModel.load()
    keys = {key for reached in model.earlier_words.values() for key in reached}
    assert len(keys) >= 200 and all(key.startswith(("faq:faq-", "procedure:")) for key in keys)
