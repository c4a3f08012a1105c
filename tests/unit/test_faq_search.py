"""Finding the FAQ a citizen asked, in their own words, and officials' edits taking effect.

The demo catalogue and FAQs (data/), as `make run` seeds them. The learned FAQ re-ranker
(``search/rerank.py``) is measured by ``make eval --rerank`` and is off by default; its tests
here check what it must never break: it learns from the FAQs' own phrasings when the index
is built, changes only the order of FAQs, and follows an edit without retraining anything.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from dichvucong.db.models import Faq
from dichvucong.db.session import get_sessionmaker
from dichvucong.search import SearchService
from dichvucong.search.index import SearchIndex
from dichvucong.search.service import load_documents, load_synonyms

# Paraphrases that share few words with their FAQ's question: the thesaurus (làm thay = ủy
# quyền, bị móc túi = bị mất, bỏ cấp huyện = sáp nhập) and search terms that say which FAQ
# ("trên điện thoại" is online) bring them to it.
PARAPHRASES = [
    ("nhờ người nhà nộp thay hồ sơ được không", "faq-080"),  # Ủy quyền cho người khác nộp hồ sơ…
    ("bi moc tui mat het giay to tuy than thi lam lai nhung gi", "faq-163"),  # Bị mất ví cả giấy tờ…
    ("sau khi bo cap huyen thi dang ky ho kinh doanh o dau", "faq-057"),  # Sau 1/7/2025 … ở đâu?
    ("lam khai sinh cho con tren dien thoai duoc khong", "faq-006"),  # … khai sinh trực tuyến …
]


@pytest.fixture(scope="module")
def search(seeded_url: str) -> SearchService:
    return SearchService(get_sessionmaker(seeded_url), refresh_seconds=0)


@pytest.mark.parametrize(("question", "faq_id"), PARAPHRASES, ids=[q[:40] for q, _ in PARAPHRASES])
def test_paraphrase_with_few_shared_words_reaches_its_faq(search: SearchService, question: str, faq_id: str) -> None:
    hits = search.search(question, k=3, types=("faq",))
    assert hits and hits[0].code == faq_id, [h.code for h in hits]


def test_online_words_stay_search_terms(search: SearchService) -> None:
    """'trực tuyến', 'qua mạng' name the place aspect and also which FAQ it is."""
    terms = search.current_index().query_terms("khai tử trên mạng được không")
    assert "truc_tuyen" in terms


def test_first_hits_do_not_depend_on_how_many_are_asked(search: SearchService) -> None:
    question = "bà nội đi khai sinh cho cháu được không"
    assert [h.code for h in search.search(question, k=3)] == [h.code for h in search.search(question, k=30)[:3]]


@pytest.fixture
def editable_url(seeded_url: str, tmp_path: Path) -> str:
    """A copy of the seeded database this test may change."""
    path = tmp_path / "editable.db"
    shutil.copy(seeded_url.removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


@pytest.mark.parametrize("rerank", [False, True], ids=["bm25", "re-ranked"])
def test_an_attached_phrasing_changes_the_ranking_after_refresh(editable_url: str, rerank: bool) -> None:
    """A reviewer attaches a citizen's question to the FAQ that answers it (console or
    review): the next citizen asking alike gets that FAQ, with no retraining of anything."""
    factory = get_sessionmaker(editable_url)
    search = SearchService(factory, refresh_seconds=0, rerank=rerank)
    question = "ông bà đi nhận kết quả hồ sơ hộ cháu có được không"
    assert search.search(question, k=1, types=("faq",))[0].code != "faq-080"
    with factory() as session:
        faq = session.scalar(select(Faq).where(Faq.external_id == "faq-080"))
        assert faq is not None
        faq.alt_questions = [*faq.alt_questions, "bà ngoại đi nhận kết quả hồ sơ hộ cháu được không"]
        session.commit()
    assert search.search(question, k=1, types=("faq",))[0].code == "faq-080"


@pytest.fixture(scope="module")
def indexes(seeded_url: str) -> tuple[SearchIndex, SearchIndex]:
    with get_sessionmaker(seeded_url)() as session:
        docs, synonyms = load_documents(session), load_synonyms(session)
    return SearchIndex(docs, synonyms=synonyms), SearchIndex(docs, synonyms=synonyms, rerank=True)


def test_reranker_learns_from_the_faqs_own_phrasings(indexes: tuple[SearchIndex, SearchIndex]) -> None:
    plain, reranked = indexes
    assert plain.reranker is None
    assert reranked.reranker is not None and reranked.reranker.trained_on > 500  # one per phrasing of an FAQ
    assert all(abs(w) < 100 for w in reranked.reranker.weights)


@pytest.mark.parametrize("question", ["bà nội đi khai sinh cho cháu được không", "làm lại căn cước mất bao nhiêu tiền"])
def test_reranker_only_reorders_faqs(indexes: tuple[SearchIndex, SearchIndex], question: str) -> None:
    """Procedures keep their places; the FAQs found stay the same set."""
    plain, reranked = (index.search(question, k=60) for index in indexes)
    assert [(h.type, h.code) for h in plain if h.type == "procedure"] == [
        (h.type, h.code) for h in reranked if h.type == "procedure"
    ]
    assert [h.type for h in plain] == [h.type for h in reranked]
    assert {h.code for h in plain if h.type == "faq"} == {h.code for h in reranked if h.type == "faq"}
