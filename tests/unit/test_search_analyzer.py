"""How a text becomes search terms: diacritics tell content words from question words.

Folded, "thẻ" (card) and "thế" (so) are both "the"; "máy" (xe máy) and "mấy" (how many)
are both "may". Typed with diacritics, the content reading is a term and pairs with its
neighbours; typed without, the syllable stays ambiguous and only forms the pairs the
catalogue itself holds.
"""

from __future__ import annotations

import pytest

from dichvucong.search.analyzer import analyze
from dichvucong.search.index import IndexedDoc, SearchIndex
from dichvucong.search.synonyms import Canonicalizer


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("Làm thẻ thư viện", {"the", "thu_vien"}, set()),
        ("Làm thế nào", set(), {"the"}),
        ("đăng ký xe máy", {"xe_may"}, set()),
        ("mất mấy ngày", set(), {"may", "may_ngay"}),
        ("Cấp bản sao trích lục hộ tịch", {"ban_sao", "trich_luc", "ho_tich"}, set()),
        ("bạn ơi cho hỏi", set(), {"ban"}),
        ("mã số thuế", {"ma_so", "so_thue"}, set()),
    ],
)
def test_diacritics_decide_whether_a_stop_form_is_content(text: str, present: set[str], absent: set[str]) -> None:
    terms = set(analyze(text))
    assert present <= terms
    assert not (absent & terms)


def test_text_without_diacritics_forms_only_the_pairs_the_index_holds() -> None:
    index = SearchIndex(
        [
            IndexedDoc("procedure", 1, "P1", "Đăng ký xe máy", (("Đăng ký xe máy", 3),)),
            IndexedDoc("procedure", 2, "P2", "Cấp bản sao trích lục hộ tịch", (("Cấp bản sao trích lục hộ tịch", 3),)),
        ]
    )
    assert "xe_may" in index.query_terms("dang ky xe may mat may ngay")
    assert "may_ngay" not in index.query_terms("dang ky xe may mat may ngay")
    assert {"ban_sao", "trich_luc"} <= set(index.query_terms("xin ban sao trich luc ho tich"))
    hits = index.search("xin ban sao trich luc o dau")
    assert hits and hits[0].code == "P2"


def test_a_synonym_keeps_the_diacritics_of_its_canonical_phrase() -> None:
    synonyms = Canonicalizer.from_groups([("thẻ căn cước", ["căn cước công dân", "cccd"])])
    assert {"the", "the_can", "can_cuoc"} <= set(analyze("làm lại cccd", synonyms))


def test_a_canonical_phrase_is_not_rewritten_by_a_shorter_phrase_of_another_group() -> None:
    synonyms = Canonicalizer.from_groups(
        [("đăng ký khai tử", ["báo tử"]), ("giấy báo tử", ["giấy chứng nhận báo tử"])]
    )
    terms = analyze("xin giấy báo tử ở đâu", synonyms)
    assert "bao_tu" in terms and "khai_tu" not in terms
    assert "khai_tu" in analyze("đi báo tử cho bố", synonyms)


def test_words_of_chat_pair_only_into_pairs_the_index_holds() -> None:
    index = SearchIndex(
        [
            IndexedDoc("faq", 1, "F1", "Anh em muốn sang tên đất bố để lại", (("Anh em muốn sang tên đất bố để lại", 3),)),
            IndexedDoc("procedure", 2, "P2", "Đăng ký tạm trú", (("Đăng ký tạm trú", 3),)),
        ]
    )
    story = set(index.query_terms("4 anh em tui muon sang ten dat"))
    assert "anh_em" in story  # siblings: a pair the index holds
    assert "em_tui" not in story and "tui" not in story and "em" not in story
    chat = set(index.query_terms("Em ở trọ chưa báo tạm trú, có sao hông anh chị?"))
    assert "tam_tru" in chat
    assert not {t for t in chat if t.split("_")[0] in {"hong", "anh", "chi"} or t.endswith(("_anh", "_chi", "_em"))}


def test_own_match_is_what_an_faq_adds_to_its_procedures_name() -> None:
    """Of two FAQs about one procedure, the one whose added words ("du học") the citizen said
    has own_match 1 and comes first; the other's additions ("làm việc") were not said."""
    def faq(doc_id: int, code: str, question: str) -> IndexedDoc:
        return IndexedDoc("faq", doc_id, code, question, ((question, 3),), names=(question,), links=("P1",))

    procedure = IndexedDoc("procedure", 1, "P1", "Cấp phiếu lý lịch tư pháp", (("Cấp phiếu lý lịch tư pháp", 3),))
    index = SearchIndex([
        procedure,
        faq(2, "F-STUDY", "Xin phiếu lý lịch tư pháp đi du học"),
        faq(3, "F-WORK", "Xin phiếu lý lịch tư pháp đi làm việc"),
    ])
    hits = index.search("xin lý lịch tư pháp đi du học nộp ở đâu", k=3)
    faqs = [h for h in hits if h.type == "faq"]
    assert faqs[0].code == "F-STUDY" and faqs[0].own_match == 1.0
    assert next(h for h in hits if h.code == "F-WORK").own_match == 0.0
