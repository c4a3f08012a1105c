"""Which answer unit a citizen's question gets: an FAQ, a procedure aspect, a choice or none.

Each row is a question a citizen could type, the intent NLU would give it, and the unit the
reply must be: ``faq:<id>``, ``procedure:<code>:<aspect>[,<aspect>]``, ``choice`` or
``none``. The data is the demo catalogue and FAQs (data/), as `make run` seeds them.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from dichvucong.assistant.aspects import Aspect
from dichvucong.assistant.formatting import HEADINGS
from dichvucong.assistant.selection import (
    Decision,
    Question,
    asks_another_aspect,
    aspects_beside_faq,
    faq_procedure,
    procedure_candidates,
    select_answer,
    suggestions,
)
from dichvucong.assistant.service import AssistantService, Reply, faq_payload
from dichvucong.config import Settings
from dichvucong.db.session import get_sessionmaker
from dichvucong.search import SearchService
from dichvucong.search.index import SearchHit

TABLE: list[tuple[str, str | None, str]] = [
    # Generic questions get the aspect of the procedure, even when FAQs mention it.
    ("hồ sơ xin lý lịch tư pháp gồm gì", "ask_documents", "procedure:2.001417:documents"),
    ("le phi chung thuc chu ky bao nhieu", "ask_fee", "procedure:2.000884:fee"),
    ("làm lại căn cước mất bao nhiêu tiền", "ask_fee", "procedure:1.012354:fee"),
    ("dang ky ket hon can giay to gi", "ask_documents", "procedure:1.000894:documents"),
    ("đăng ký kết hôn nộp ở đâu, mất mấy ngày?", "ask_place", "procedure:1.000894:place,time"),
    ("cần hồ sơ gì để đăng ký tạm trú", "ask_documents", "procedure:1.004222:documents"),
    # Questions that say more than the procedure's name get the FAQ that covers it.
    ("Phiếu lý lịch tư pháp có giá trị bao lâu?", "ask_processing_time", "faq:faq-049"),
    ("khai sinh quá hạn 60 ngày có bị phạt không", "ask_conditions", "faq:faq-001"),
    ("ba noi di khai sinh cho chau duoc khong, bo me chau di lam xa", None, "faq:faq-101"),
    ("sinh con o nha khong co giay chung sinh thi lam khai sinh sao", None, "faq:faq-003"),
    ("Mẹ tôi mất rồi, muốn xóa thường trú của mẹ thì ra đâu làm?", "ask_place", "faq:faq-144"),
    # ... "ra đâu làm" asks where: the place of registering permanent residence (with the
    # attached citizens' questions the procedure now holds this question's words).
    ("lam ho so chuyen ho khau ve que thi ra dau lam", None, "procedure:1.004194:place"),
    # Citizens' words for the official ones (the thesaurus), and words that say which FAQ.
    ("nhờ người nhà nộp thay hồ sơ được không", None, "faq:faq-080"),  # làm thay = ủy quyền
    ("sau khi bo cap huyen thi dang ky ho kinh doanh o dau", "ask_place", "faq:faq-057"),  # sáp nhập
    ("lam khai sinh cho con tren dien thoai duoc khong", None, "faq:faq-006"),  # online is which FAQ
    # "đăng ký hộ kinh doanh" is registering a new one, not a choice with changing one.
    ("dang ky ho kinh doanh can giay to gi", "ask_documents", "procedure:2.000720:documents"),
    ("giấy đăng ký kết hôn bao lâu thì lấy được", "ask_processing_time", "procedure:1.000894:time"),
    # A story around a generic question leaves the procedure under the answer bar; an FAQ
    # ranked below it that only shares the story's words (or answers another aspect) does
    # not take its place.
    ("ông em mới mất tuần trước, làm giấy chứng tử bao lâu thì có", "ask_processing_time", "procedure:1.000656:time"),
    # An FAQ whose own question asks another aspect (how to correct it) does not answer "how long".
    ("sửa tên đệm trong giấy khai sinh của con thì mất mấy ngày", "ask_processing_time", "procedure:1.004859:time"),
    # A yes-or-no FAQ ("… giờ làm được không?") answers whether, not the steps asked for;
    # a yes-or-no question from the citizen may still get one, whatever aspect NLU saw.
    ("cach lam khai tu cho ong nhu the nao", "ask_steps", "procedure:1.000656:steps"),
    ("không về quê được thì làm khai sinh cho con ở nơi đang thuê trọ được không", "ask_place", "faq:faq-105"),
    # Diacritics tell content from question words: "bản sao" (a copy), "thẻ thư viện" (a
    # card we do not hold: folded, it would be "the thu vien", "thế thu viện"…).
    ("xin bản sao giấy khai sinh cho con đi học ở đâu", "ask_place", "faq:faq-128"),
    ("xin làm thẻ thư viện cho con ở đâu", "ask_place", "none"),
    # A document is not the procedure that uses it ("giấy báo tử" is not "báo tử"); kinship
    # words from the thesaurus ("con cô con cậu" = anh em họ).
    ("nhà có người mất tại nhà, xã có cấp giấy báo tử không", "ask_conditions", "faq:faq-141"),
    ("con cô con cậu lấy nhau có đăng ký kết hôn được không", "ask_conditions", "faq:faq-120"),
    # The intent guessed an aspect ("ai cấp" as the place) the words do not name: an FAQ is
    # not ruled out for answering another aspect on that guess.
    ("người thân qua đời ở nhà thì giấy báo tử ai cấp cho", "ask_place", "faq:faq-141"),
    # A procedure answered on an aspect covers that aspect's answer too: the agencies named
    # are in the place of "Đăng ký tạm trú", so the FAQs about dormitories and fines that
    # share "công an" and "tạm trú" do not take the question.
    ("đăng ký tạm trú thì lên công an phường hay công an quận", "ask_place", "procedure:1.004222:place"),
    ("làm hộ chiếu cho bé 8 tuổi đi du lịch cần những giấy gì", "ask_documents", "procedure:1.003544:documents"),
    # The whole name said keeps the procedure a candidate in a long message.
    ("muốn làm giấy hôn thú thì hai đứa cần đáp ứng điều kiện gì vậy anh chị", "ask_conditions", "procedure:1.000894:conditions"),
    # A comparison asks how two things differ, not where ("chỗ nào") or how ("thế nào"); an
    # FAQ comparing two things does not answer the documents asked for.
    ("ra xã chứng thực với ra phòng công chứng thì khác nhau chỗ nào", None, "faq:faq-024"),
    ("xin lý lịch tư pháp số 1 cần giấy tờ gì", "ask_documents", "procedure:2.001417:documents"),
    # A long story leaves the procedure under the answer bar; an FAQ that answers another
    # aspect (which papers) still does not take a question about the time or the fee.
    ("bé nhà tôi tháng sau tròn 14 tuổi, dẫn bé đi làm thẻ căn cước thì mấy ngày có thẻ", "ask_processing_time", "procedure:1.012352:time"),
    ("sắp tới em tròn 40 tuổi, nghe nói phải đi đổi căn cước, vậy có mất tiền không", "ask_fee", "procedure:1.012353:fee"),
    # "… giờ phải làm sao" asks how to go about it: the FAQ on what to redo is the answer.
    ("đi chợ bị móc mất ví có căn cước với bằng lái, giờ phải làm sao", "ask_steps", "faq:faq-163"),
    # The citizen said all of an FAQ's question, including what it adds to the procedure's
    # name ("du học"): that FAQ, though the procedure holds as much of the question; without
    # those words, the procedure's aspect.
    ("em sắp đi du học Nhật, xin lý lịch tư pháp nộp ở đâu ạ", "ask_place", "faq:faq-271"),
    ("xin lý lịch tư pháp nộp ở đâu", "ask_place", "procedure:2.001417:place"),
    # Too close to tell apart: the citizen chooses.
    ("căn cước", "ask_overview", "choice"),
    # Not in the catalogue: say so rather than offer unrelated allowances.
    ("lam ho so huong tro cap thai san o dau", "ask_place", "none"),
    ("thủ tục xin visa đi Mỹ", "ask_documents", "none"),
    # Citizens' questions attached to procedures (data/reviewed_questions.jsonl) bring words
    # that are no topic of theirs ("thời tiết", "người yêu"): a procedure found only through
    # one such phrasing, of which the citizen said little, is no answer.
    ("hôm nay thời tiết thế nào", None, "none"),
    ("bạn có người yêu chưa", None, "none"),
    # The citizen's address is taken out of the question, and only the address: the story
    # after the comma is the question ("…, đánh rơi căn cước ngoài chợ, …").
    ("nhà tôi ở xã Tân Phú, đánh rơi căn cước ngoài chợ, việc đầu tiên phải làm gì", "ask_steps", "faq:faq-040"),
    ("tôi ở phường Đông Hải, tạm trú tuần sau hết hạn rồi muốn gia hạn thì làm sao", "ask_steps", "faq:faq-154"),
]


@pytest.fixture(scope="module")
def assistant(seeded_url: str) -> AssistantService:
    factory = get_sessionmaker(seeded_url)
    return AssistantService(factory, SearchService(factory, refresh_seconds=0), Settings(database_url=seeded_url))


def unit_of(reply: Reply) -> str:
    """The answer unit a reply gives, in the table's notation."""
    if reply.kind == "faq":
        return f"faq:{reply.faq_id}"
    if reply.kind == "answer" and reply.procedure_code:
        return f"procedure:{reply.procedure_code}:{','.join(reply.answered_aspects)}"
    if reply.kind == "clarify":
        return "choice"
    return "none" if reply.kind == "not_found" else reply.kind


@pytest.mark.parametrize(("question", "intent", "expected"), TABLE, ids=[row[0][:40] for row in TABLE])
def test_question_gets_its_answer_unit(assistant: AssistantService, question: str, intent: str | None, expected: str) -> None:
    reply = assistant.answer_question(question, intent)
    assert unit_of(reply) == expected, reply.text[:200]


def test_unclear_intent_keeps_the_asked_aspect_for_the_choice(assistant: AssistantService) -> None:
    choice = assistant.answer_unclear("căn cước bao nhiêu tiền")
    assert choice.kind == "clarify" and choice.pending_aspects == ["fee"]
    chosen = assistant.answer_question("", "choose_procedure", chosen_code="1.012354", pending_aspects=choice.pending_aspects)
    assert "Lệ phí — Cấp lại thẻ căn cước" in chosen.text


def test_related_question_button_answers_that_faq_at_once(assistant: AssistantService) -> None:
    reply = assistant.answer_question("", "choose_faq", chosen_faq="faq-049")
    assert reply.kind == "faq" and reply.faq_id == "faq-049"
    assert "lý lịch tư pháp" in reply.text.lower()


FISHING_BOAT_STORY = "ba tôi có cái ghe đánh cá, giờ muốn bán thì sang tên ở đâu"


def test_a_story_no_rule_answers_offers_the_closest_faqs_one_tap_away(seeded_url: str) -> None:
    """A long story whose words reach none of the rules' bars is told "not found", with the
    FAQs it comes closest to as buttons; pressing one answers that FAQ at once."""
    factory = get_sessionmaker(seeded_url)
    settings = Settings(database_url=seeded_url, learned_selection=False)
    rules_only = AssistantService(factory, SearchService(factory, refresh_seconds=0), settings)
    reply = rules_only.answer_question(FISHING_BOAT_STORY, None)
    assert reply.kind == "not_found" and "Có thể bạn muốn hỏi" in reply.text
    payloads = [b.payload for b in reply.buttons]
    assert faq_payload("faq-062") in payloads and len(payloads) <= 3
    pressed = rules_only.answer_question("", "choose_faq", chosen_faq="faq-062", pending_aspects=reply.pending_aspects)
    assert pressed.kind == "faq" and pressed.faq_id == "faq-062"


@pytest.mark.parametrize(
    ("question", "rules_alone", "with_the_learned_step"),
    [
        # An old man who never had a birth certificate: not the ID card's processing time.
        ("ông tôi 75 tuổi mà chưa bao giờ có giấy khai sinh, giờ đi làm được không", "procedure:1.012352:time", "faq:faq-104"),
        # A passport for a child: not the ID card's steps.
        ("ho chieu cho tre em duoi 14 tuoi lam the nao", "procedure:1.012352:steps", "faq:faq-045"),
        # A lost passport: what to report and how to get another, not only where to file.
        ("bi mat passport thi khai bao o dau roi lam lai sao", "procedure:1.003544:place", "faq:faq-175"),
        # Voluntary social insurance, which we do not handle: the rules answer an FAQ on
        # health insurance; the learned step says "not found, ask here".
        ("tôi làm nông, muốn tự đóng bảo hiểm xã hội tự nguyện để sau này có lương hưu thì đăng ký ở đâu",
         "faq:faq-068", "none"),
    ],
)
def test_the_learned_step_corrects_the_rules(
    seeded_url: str, assistant: AssistantService, question: str, rules_alone: str, with_the_learned_step: str
) -> None:
    factory = get_sessionmaker(seeded_url)
    settings = Settings(database_url=seeded_url, learned_selection=False)
    rules_only = AssistantService(factory, SearchService(factory, refresh_seconds=0), settings)
    assert unit_of(rules_only.answer_question(question, None)) == rules_alone
    assert unit_of(assistant.answer_question(question, None)) == with_the_learned_step


def test_not_found_offers_nothing_when_nothing_is_near(assistant: AssistantService) -> None:
    reply = assistant.answer_question("xin làm thẻ thư viện cho con ở đâu", "ask_place")
    assert reply.kind == "not_found" and not reply.buttons and "Có thể bạn muốn hỏi" not in reply.text


def test_the_procedure_button_under_an_faq_answers_the_aspect_first_asked(assistant: AssistantService) -> None:
    """A time question answered by an FAQ: its procedure's button gives that procedure's
    time, not its overview."""
    reply = assistant.answer_question("Phiếu lý lịch tư pháp có giá trị bao lâu?", "ask_processing_time")
    assert reply.kind == "faq" and reply.pending_aspects == ["time"]
    button = next(b for b in reply.buttons if b.payload.startswith("/choose_procedure"))
    code = button.payload.split('"procedure_code": "')[1].split('"')[0]
    pressed = assistant.answer_question("", "choose_procedure", chosen_code=code, pending_aspects=reply.pending_aspects)
    assert f"{HEADINGS[Aspect.TIME]} — " in pressed.text, pressed.text[:200]


def test_near_identical_procedure_names_are_a_choice_with_a_detail(seeded_url: str, tmp_path) -> None:
    """An imported "Thủ tục chứng thực chữ ký…" (a full record) next to the demo one is
    never picked silently: the choice names each one's level."""
    import json

    from dichvucong.catalog.importer import import_catalog
    from dichvucong.db.migrate import upgrade
    from tests.conftest import seed_database

    url = f"sqlite:///{tmp_path / 'twins.db'}"
    upgrade(url)
    seed_database(url)
    twin = [{
        "ma_tthc": "1.001590",
        "ten_tthc": "Thủ tục Chứng thực chữ ký trong các giấy tờ, văn bản",
        "cap_thuc_hien": "Cấp tỉnh",
        "linh_vuc": "Chứng thực",
        "dia_chi_tiep_nhan": "Phòng Tư pháp",
        "cach_thuc_thuc_hien": [{"hinh_thuc_nop": "Trực tiếp", "thoi_gian": "Trong ngày", "phi_le_phi": "10.000 đồng"}],
        "tphs": [{"ten_giay_to": "Giấy tờ, văn bản cần chứng thực chữ ký"}],
    }]
    path = tmp_path / "twin.json"
    path.write_text(json.dumps(twin, ensure_ascii=False), encoding="utf-8")
    factory = get_sessionmaker(url)
    with factory() as session:
        import_catalog(session, path)
    service = AssistantService(factory, SearchService(factory, refresh_seconds=0), Settings(database_url=url))
    reply = service.answer_question("chứng thực chữ ký là gì", "ask_overview")
    assert reply.kind == "clarify", reply.text[:200]
    labels = [b.title for b in reply.buttons]
    assert len(labels) == 2 and labels[0] != labels[1]
    assert any("Cấp tỉnh" in label for label in labels) and any("Cấp xã" in label for label in labels)


def _with_national_names(tmp_path, names: dict[str, str]) -> AssistantService:  # type: ignore[no-untyped-def]
    """The demo data plus procedures known only by their name (the national list)."""
    import json

    from dichvucong.catalog.importer import import_catalog
    from dichvucong.db.migrate import upgrade
    from tests.conftest import seed_database

    url = f"sqlite:///{tmp_path / 'national.db'}"
    upgrade(url)
    seed_database(url)
    path = tmp_path / "national.json"
    path.write_text(json.dumps([{"ma_tthc": c, "ten_tthc": n} for c, n in names.items()], ensure_ascii=False), encoding="utf-8")
    factory = get_sessionmaker(url)
    with factory() as session:
        import_catalog(session, path)
    return AssistantService(factory, SearchService(factory, refresh_seconds=0), Settings(database_url=url))


def test_rivals_known_only_by_name_are_not_a_choice(tmp_path) -> None:
    """Two national names and nothing else: choosing one would only say "not updated", so
    the reply says it at once, with where to ask."""
    service = _with_national_names(tmp_path, {
        "9.000001": "Gia hạn giấy phép khai thác khoáng sản làm vật liệu xây dựng thông thường",
        "9.000002": "Gia hạn giấy phép khai thác khoáng sản làm vật liệu xây dựng (cấp tỉnh)",
    })
    reply = service.answer_question("gia hạn giấy phép khai thác khoáng sản làm vật liệu xây dựng", "ask_place")
    assert reply.kind == "not_found" and not reply.buttons
    assert "chưa cập nhật thông tin chi tiết" in reply.text


def test_an_faq_beats_a_procedure_known_only_by_name(tmp_path) -> None:
    """A bare national name that covers the question no better than an FAQ does not hide the
    FAQ's answer behind "not updated"."""
    service = _with_national_names(tmp_path, {"9.000003": "Thủ tục đăng ký kết hôn có yếu tố nước ngoài"})
    reply = service.answer_question("đăng ký kết hôn với người nước ngoài ở đâu", "ask_place")
    assert reply.kind == "faq" and reply.faq_id == "faq-012", reply.text[:200]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # Small talk NLU called out of scope that shares only single syllables with a unit
        # ("kể" of "kể cả", "thích" repaired to "tích" of "án tích") keeps the scope reply.
        ("kể chuyện ma đi", "out_of_scope"),
        ("bạn thích ăn gì", "out_of_scope"),
        # Words shared with a unit whose name the citizen did not say ("Việt Nam" of "… cho
        # công dân Việt Nam", "sữa chua" folded like "sửa chữa") answer nothing.
        ("đội tuyển việt nam đá mấy giờ", "none|out_of_scope"),
        ("cách làm sữa chua", "none|out_of_scope"),
        # Asking where or how long for something requested from the state is an administrative
        # question the catalogue lacks: "not found", with the hotline, not the scope reply.
        ("xin tiền hỗ trợ học nghề cho người mới xuất ngũ ở đâu", "none"),
        # ... and so is any question about a matter of the state we hold nothing on (a
        # minimum wage, compensation for land taken, deferring military service).
        ("luong toi thieu vung o Binh Duong nam nay la bao nhieu", "none"),
        ("nha toi bi thu hoi dat lam duong, muc boi thuong tinh the nao", "none"),
        ("dang hoc dai hoc thi co duoc tam hoan nghia vu quan su khong", "none"),
        ("kể chuyện cười đi", "out_of_scope"),
        # Where to get a motorbike repaired is no question about opening a repair shop,
        # however sure the learned step is of that FAQ: its question was hardly said.
        ("sửa xe máy ở đâu rẻ", "none|out_of_scope"),
        # A story NLU called out of scope that is plainly about an FAQ is answered.
        ("tạm trú của tôi tuần sau là hết hạn rồi, muốn gia hạn thì làm sao", "faq:faq-154"),
        # ... with the citizen's address taken out first, as for any question.
        ("nhà tôi ở xã Tân Phú, sáng nay đánh rơi căn cước ở bến xe, việc đầu tiên phải làm gì", "faq:faq-040"),
        ("sáng nay tôi đánh rơi căn cước ở bến xe, việc đầu tiên phải làm gì", "faq:faq-040"),
        # The learned answer check is sure of the FAQ, and the citizen said enough of it.
        ("ba toi 85 tuoi nam liet giuong may nam nay, the can cuoc cu het han roi, khong the dua ong len cong an "
         "thi lam sao", "faq:faq-039"),
        # ... or all but certain of it, though the citizen said less of its name.
        ("be moi sinh muon lam chung mot lan khai sinh, nhap khau va the bao hiem y te thi lam the nao", "procedure:1.013130"),
    ],
)
def test_out_of_scope_is_answered_only_when_a_unit_plainly_holds_it(
    assistant: AssistantService, message: str, expected: str
) -> None:
    unit = unit_of(assistant.answer_out_of_scope(message))
    assert unit in expected.split("|") or unit.rsplit(":", 1)[0] in expected.split("|"), unit


# -- the rules on their own, with hits made by hand -------------------------------------------
def _hit(kind: str, code: str, coverage: float, terms: set[str], name_match: float = 0.5, title: str = "") -> SearchHit:
    aspects = frozenset({"overview", "documents", "fee", "time", "place", "steps"}) if kind == "procedure" else frozenset()
    return SearchHit(kind, 1, code, title or code, 0.8, 10.0, name_match, coverage, (), "", aspects, frozenset(terms))  # type: ignore[arg-type]


def _question(*terms: str, weights: dict[str, float] | None = None) -> Question:
    return Question(list(terms), lambda term: (weights or {}).get(term, 1.0))


@pytest.mark.parametrize(
    ("faq_terms", "named", "expected"),
    [
        # The FAQ holds more of the question (what it adds: "mot_nguoi"): the FAQ.
        ({"ket_hon", "dang_ky", "mot_nguoi"}, [], Decision.FAQ),
        # It holds exactly as much as the procedure, and the words ask the result: a tie
        # keeps the procedure.
        ({"ket_hon", "dang_ky"}, ["result"], Decision.PROCEDURE),
        # ... but when the words ask no aspect, the procedure has only its overview to give:
        # the FAQ the search ranks first is the answer.
        ({"ket_hon", "dang_ky"}, [], Decision.FAQ),
    ],
)
def test_an_faq_ranked_above_the_procedure_wins_with_more_of_the_question(
    faq_terms: set[str], named: list[str], expected: Decision
) -> None:
    # The added words weigh little: the FAQ's lead is under FAQ_COVERAGE_MARGIN and the
    # question is not "specific", so only the ranking rule can choose the FAQ.
    weights = {"ket_hon": 3.0, "dang_ky": 3.0, "mot_nguoi": 0.5, "ve_duoc": 0.5}
    question = _question(*weights, weights=weights)
    faq = _hit("faq", "faq-x", round(question.share(faq_terms), 4), faq_terms)
    procedure_terms = {"ket_hon", "dang_ky"}
    procedure = _hit("procedure", "P", round(question.share(procedure_terms), 4), procedure_terms)
    # The intent guessed "result"; ``named``: the aspects the words name.
    selection = select_answer(question, [faq, procedure], aspects=["result"], named_aspects=named)
    assert selection.decision is expected


def test_a_generic_question_keeps_the_procedure_even_when_an_faq_ranks_first() -> None:
    question = _question("ket_hon", "dang_ky")
    faq = _hit("faq", "faq-x", 1.0, {"ket_hon", "dang_ky", "tuoi"})
    procedure = _hit("procedure", "P", 1.0, {"ket_hon", "dang_ky"}, name_match=1.0)
    assert select_answer(question, [faq, procedure], aspects=["fee"]).decision is Decision.PROCEDURE


def test_an_faq_needs_a_quarter_of_its_question_said() -> None:
    question = _question("the", "thu_vien", "vien_tinh", "tinh")
    faq = _hit("faq", "faq-x", 0.5, {"vien_tinh", "tinh"}, name_match=0.2, title="Người thân mất ở bệnh viện tỉnh khác…")
    assert select_answer(question, [faq]).decision is Decision.NONE
    said = _hit("faq", "faq-y", 0.5, {"vien_tinh", "tinh"}, name_match=0.3)
    assert select_answer(question, [said]).decision is Decision.FAQ


def test_a_bare_name_the_citizen_did_not_say_is_no_candidate() -> None:
    question = _question("nop", "phuong", "phuong_khac", "khac")
    bare = SearchHit("procedure", 1, "N", "Thủ tục thực hiện chế độ một lần…", 0.9, 10.0, 0.06, 1.0, (), "", frozenset({"overview"}), frozenset(question.terms))
    faq = _hit("faq", "faq-x", 0.9, {"phuong", "phuong_khac", "khac"}, name_match=0.4)
    assert select_answer(question, [bare, faq]).decision is Decision.FAQ
    said = SearchHit("procedure", 1, "N", "Nộp ở phường khác", 0.9, 10.0, 0.8, 1.0, (), "", frozenset({"overview"}), frozenset(question.terms))
    weaker_faq = _hit("faq", "faq-x", 0.5, {"phuong"}, name_match=0.4)
    assert select_answer(question, [said, weaker_faq]).procedure_code == "N"
    assert select_answer(question, [bare, weaker_faq]).decision is Decision.FAQ


def test_of_procedures_that_fit_alike_the_one_whose_name_was_said_is_the_base() -> None:
    joint = SearchHit("procedure", 1, "JOINT", "Liên thông đăng ký khai sinh, đăng ký thường trú, …", 1.0, 23.2, 0.08, 1.0, (), "", frozenset({"overview", "fee"}), frozenset())
    birth = SearchHit("procedure", 2, "BIRTH", "Đăng ký khai sinh", 0.82, 20.2, 0.49, 0.65, (), "", frozenset({"overview", "fee"}), frozenset())
    assert [h.code for h in procedure_candidates([joint, birth])][0] == "BIRTH"
    far = SearchHit("procedure", 3, "FAR", "Đăng ký khai sinh", 0.6, 12.0, 0.49, 0.65, (), "", frozenset({"overview", "fee"}), frozenset())
    assert procedure_candidates([joint, far])[0].code == "JOINT", "a much weaker match stays below"


@pytest.mark.parametrize(
    ("faq_title", "aspects", "yes_no", "other"),
    [
        # A yes-or-no FAQ answers whether, even when it names a place ("trực tuyến").
        ("Có làm khai sinh cho con trực tuyến được không?", [], True, False),
        ("Có làm khai sinh cho con trực tuyến được không?", ["time"], False, True),
        ("Xin lý lịch tư pháp để đi du học thì nộp ở đâu?", ["place"], False, False),
        ("Giấy khai sinh ghi sai ngày sinh thì sửa thế nào?", ["time"], False, True),
        # An FAQ that names no aspect tells what happens in a situation: not the time (or fee,
        # place, papers) asked for, but it may be the conditions or the way to go about it.
        ("Đang hưởng trợ cấp thất nghiệp mà có việc làm mới thì sao?", ["time"], False, True),
        ("Đang hưởng trợ cấp thất nghiệp mà có việc làm mới thì sao?", ["conditions"], False, False),
        ("Đang hưởng trợ cấp thất nghiệp mà có việc làm mới thì sao?", [], False, False),
    ],
)
def test_whether_an_faq_answers_another_aspect(faq_title: str, aspects: list[str], yes_no: bool, other: bool) -> None:
    assert asks_another_aspect(_hit("faq", "f", 0.5, set(), title=faq_title), aspects, yes_no) is other


@pytest.mark.parametrize(
    ("faq_title", "said", "named", "beside"),
    [
        # A situation FAQ says what to do, not what it costs or how long it takes.
        ("Người nhà mất tại nhà, không có giấy báo tử thì khai tử thế nào?", "", ["fee"], ["fee"]),
        ("Đang hưởng trợ cấp thất nghiệp mà có việc làm mới thì sao?", "", ["time"], ["time"]),
        # The FAQ's own question asks it: its answer says it.
        ("Phiếu lý lịch tư pháp có giá trị bao lâu?", "", ["time"], []),
        # "… thì làm thế nào?" tells where and with what papers.
        ("Sinh con ở nhà, không có giấy chứng sinh thì khai sinh thế nào?", "", ["documents"], []),
        # Whether and how are what situation FAQs explain: nothing is added for them …
        ("Đang hưởng trợ cấp thất nghiệp mà có việc làm mới thì sao?", "có được không, làm sao", ["conditions", "steps", "overview"], []),
        # … unless the citizen asks for the conditions or the steps by name.
        ("Tự nghỉ việc có được hưởng trợ cấp thất nghiệp không?", "cần đủ những điều kiện gì", ["conditions"], ["conditions"]),
        ("Ai phải đáp ứng điều kiện gì để được trợ cấp?", "cần đủ những điều kiện gì", ["conditions"], []),
        ("Điện thoại không có NFC thì đăng ký VNeID mức 2 thế nào?", "các bước làm thế nào", ["steps"], ["steps"]),
        # At most two, in the order the citizen named them.
        ("Đang hưởng trợ cấp thất nghiệp mà có việc làm mới thì sao?", "", ["place", "fee", "time"], ["place", "fee"]),
    ],
)
def test_which_asked_aspects_are_answered_beside_an_faq(faq_title: str, said: str, named: list[str], beside: list[str]) -> None:
    assert aspects_beside_faq(faq_title, named, said) == beside


def test_the_procedure_beside_an_faq_is_its_own_the_search_ranks_first() -> None:
    land, contract, other = (_hit("procedure", code, 0.8, set()) for code in ("1.012773", "2.001035", "1.000656"))
    faq = _hit("faq", "faq-x", 0.7, set())
    assert faq_procedure(replace(faq, links=("1.012773",)), []) == "1.012773"  # its only one
    assert faq_procedure(replace(faq, links=("1.012773", "2.001035")), [other, contract, land]) == "2.001035"
    assert faq_procedure(replace(faq, links=("1.012773", "2.001035")), [other]) is None


def test_an_faq_that_does_not_say_the_asked_aspect_comes_with_it(assistant: AssistantService) -> None:
    """"… thì khai sinh mất bao lâu" about a birth at home: the FAQ on a birth with no birth
    certificate, and the registration's processing time after it."""
    reply = assistant.answer_question("sinh con ở nhà không có giấy chứng sinh thì khai sinh mất bao lâu", "ask_processing_time")
    assert reply.kind == "faq" and reply.faq_id == "faq-003", reply.text[:200]
    assert f"{HEADINGS[Aspect.TIME]} — Đăng ký khai sinh:" in reply.text
    assert reply.answered_aspects == ["time"]
    assert reply.text.index("giấy chứng sinh") < reply.text.index(HEADINGS[Aspect.TIME])  # the FAQ first


def test_an_faq_that_says_the_asked_aspect_comes_alone(assistant: AssistantService) -> None:
    reply = assistant.answer_question("Phiếu lý lịch tư pháp có giá trị bao lâu?", "ask_processing_time")
    assert reply.kind == "faq" and not any(f"{h} — " in reply.text for h in HEADINGS.values()), reply.text[:300]


@pytest.mark.parametrize(
    ("links", "link_match", "name_match", "expected"),
    [
        # About a procedure the citizen did not name, and little of its own question said.
        (("1.001758",), 0.0, 0.5, Decision.NONE),
        # The procedure is named, or most of the FAQ's question is said, or it has no procedure.
        (("1.001758",), 0.3, 0.5, Decision.FAQ),
        (("1.001758",), 0.0, 0.7, Decision.FAQ),
        ((), 0.0, 0.5, Decision.FAQ),
    ],
)
def test_an_faq_about_a_procedure_needs_that_procedure_or_its_own_question_said(
    links: tuple[str, ...], link_match: float, name_match: float, expected: Decision
) -> None:
    question = _question("tai_khoan", "ngan_hang", "con_duoi", "18t")
    faq = SearchHit("faq", 1, "faq-260", "Muốn nhận trợ cấp xã hội qua tài khoản ngân hàng…", 0.8, 10.0, name_match, 0.5, links, "", frozenset(), frozenset({"tai_khoan", "ngan_hang"}), link_match)
    assert select_answer(question, [faq]).decision is expected


@pytest.mark.parametrize(("procedure_name_match", "expected"), [(0.0, Decision.FAQ), (0.5, Decision.PROCEDURE)])
def test_a_procedure_found_only_by_its_keywords_gives_way_to_an_faq_whose_question_was_said(
    procedure_name_match: float, expected: Decision
) -> None:
    question = _question("khai_sinh", "que_quan", "them", "ghi")
    faq = _hit("faq", "faq-135", 0.53, {"khai_sinh", "que_quan"}, name_match=0.81, title="Giấy khai sinh bỏ trống quê quán thì bổ sung thế nào?")
    procedure = _hit("procedure", "P", 0.63, {"khai_sinh", "que_quan", "ghi"}, name_match=procedure_name_match)
    assert select_answer(question, [faq, procedure], aspects=["steps"], named_aspects=["steps"]).decision is expected


def test_an_aspect_answer_lifts_only_a_procedure_the_question_is_about() -> None:
    question = _question("tam_tru", "cong_an", "phuong", "quan")
    place = {"place": frozenset({"cong_an", "phuong", "quan"})}
    # "Đăng ký tạm trú" holds part of the question by its own texts; its place holds the rest.
    named = replace(_hit("procedure", "P", 0.3, {"tam_tru"}, name_match=0.5), aspect_terms=place)
    assert [h.code for h in procedure_candidates([named], ["place"], question=question)] == ["P"]
    assert procedure_candidates([named], ["fee"], question=question) == []
    # A procedure that shares almost nothing of the question by its own texts is not lifted
    # by words its answer happens to contain ("công ty" questions and household businesses).
    unrelated = replace(_hit("procedure", "Q", 0.1, set(), name_match=0.1), aspect_terms=place)
    assert procedure_candidates([unrelated], ["place"], question=question) == []


@pytest.mark.parametrize(
    ("next_score", "expected"),
    [
        # A long story: the right FAQ holds only a quarter of its words (under the FAQ bar),
        # but the search puts it far ahead of anything else. That FAQ is the answer.
        (12.0, Decision.FAQ),
        # A question about something we lack shares a few words with many units, none far
        # ahead: still "not found".
        (18.0, Decision.NONE),
    ],
)
def test_an_faq_far_ahead_of_everything_answers_a_long_story(next_score: float, expected: Decision) -> None:
    question = _question(*[f"w{i}" for i in range(12)])
    faq = SearchHit("faq", 1, "faq-x", "Sửa chữa, cải tạo nhà có phải xin phép không?", 0.6, 20.0, 0.4, 0.25, (), "", frozenset(), frozenset({"w0", "w1", "w2"}))
    other = SearchHit("procedure", 2, "P", "Cấp giấy phép xây dựng", 0.5, next_score, 0.1, 0.2, (), "", frozenset({"overview", "fee"}), frozenset({"w3"}))
    selection = select_answer(question, [faq, other])
    assert selection.decision is expected
    if expected is Decision.FAQ:
        assert selection.faq is faq


@pytest.mark.parametrize(
    ("faq_name_match", "named", "expected"),
    [
        # The words ask no aspect, so the procedure could only give its overview; the FAQ,
        # ranked just below it, holds as much of the question and most of its own question
        # was said ("giấy độc thân xin hôm trước thì dùng tới khi nào"): the FAQ.
        (0.9, [], Decision.FAQ),
        # ... not when little of the FAQ's question was said,
        (0.5, [], Decision.PROCEDURE),
        # ... nor when the citizen asks what the procedure is ("… là thủ tục gì").
        (0.9, ["overview"], Decision.PROCEDURE),
    ],
)
def test_an_faq_whose_question_was_said_beats_the_overview(
    faq_name_match: float, named: list[str], expected: Decision
) -> None:
    weights = {"giay_doc": 3.0, "doc_than": 3.0, "hom_truoc": 1.0, "dung_toi": 0.3}
    question = _question(*weights, weights=weights)
    procedure = _hit("procedure", "P", round(question.share({"giay_doc", "doc_than"}), 4), {"giay_doc", "doc_than"}, name_match=0.95)
    faq_terms = {"giay_doc", "doc_than", "dung_toi"}
    faq = _hit("faq", "faq-x", round(question.share(faq_terms), 4), faq_terms, name_match=faq_name_match)
    selection = select_answer(question, [procedure, faq], aspects=["overview"], named_aspects=named)
    assert selection.decision is expected


def test_with_no_procedure_an_faq_on_another_aspect_points_at_its_procedure() -> None:
    question = _question("doi", "bang_lai", "o_to", "giay_to")
    faq = SearchHit(
        "faq", 1, "faq-x", "Đổi bằng lái xe máy có cần giấy khám sức khỏe không?", 0.8, 10.0, 0.7, 0.75, ("P1",), "",
        frozenset(), frozenset({"doi", "bang_lai", "giay_to"}),
    )
    asked_documents = select_answer(question, [faq], aspects=["documents"], named_aspects=["documents"])
    assert asked_documents.decision is Decision.PROCEDURE and asked_documents.procedure_code == "P1"
    assert asked_documents.related == [faq]
    # The question the FAQ answers (whether a health certificate is needed) gets the FAQ.
    asked_whether = select_answer(question, [faq], aspects=["conditions"], yes_no=True, named_aspects=[])
    assert asked_whether.decision is Decision.FAQ
    # A phrasing of the FAQ said whole (one officials attached from review) is that FAQ,
    # whatever aspect the FAQ's own question names.
    attached = SearchHit(
        "faq", 1, "faq-x", faq.title, 0.8, 10.0, 1.0, 0.75, ("P1",), "", frozenset(), faq.terms,
    )
    assert select_answer(question, [attached], aspects=["documents"], named_aspects=["documents"]).decision is Decision.FAQ


def test_a_story_below_the_bar_is_not_given_a_far_weaker_procedure() -> None:
    """The words fit a catalogue entry with no content far better ("nuôi con nuôi") than the
    procedure with content that shares one of them ("vợ chồng" of "Đăng ký kết hôn"): the
    latter is no base for the answer, so the FAQ question (if any) or nothing answers."""
    question = _question("vo_chong", "nuoi", "con_nuoi", "hiem_muon")
    adoption = SearchHit("procedure", 1, "ADOPT", "Đăng ký việc nuôi con nuôi", 0.8, 26.0, 0.3, 0.6, (), "", frozenset({"overview"}), frozenset({"nuoi", "con_nuoi"}))
    marriage = _hit("procedure", "MARRY", 0.35, {"vo_chong"}, name_match=0.1)
    marriage = SearchHit(marriage.type, 2, marriage.code, "Đăng ký kết hôn", 0.6, 12.0, 0.1, 0.35, (), "", marriage.aspects, marriage.terms)
    faq = _hit("faq", "faq-x", 0.35, {"vo_chong"}, name_match=0.3)
    selection = select_answer(question, [adoption, marriage, faq], aspects=["steps"], named_aspects=["steps"])
    assert selection.procedure_code != "MARRY"


@pytest.mark.parametrize(
    ("message", "administrative"),
    [
        ("gia hạn visa cho chồng ở đâu", True),
        ("làm sao để được công nhận hộ nghèo", True),
        ("đóng bảo hiểm để có lương hưu thì đăng ký ở đâu", True),
        ("hôm nay trời mưa ở đâu", False),
        ("quán phở nào ngon nhất ở đâu", False),
    ],
)
def test_an_administrative_topic_we_lack_is_told_apart_from_small_talk(message: str, administrative: bool) -> None:
    """NLU called it out of scope; words that ask the state for something get "not found, ask
    here" with the hotline, small talk the assistant's scope."""
    from dichvucong.assistant.selection import asks_for_a_procedure

    assert asks_for_a_procedure(message) is administrative


@pytest.mark.parametrize(("name_match", "expected"), [(0.6, Decision.PROCEDURE), (0.3, Decision.NONE)])
def test_a_long_story_around_a_procedure_it_names_gets_that_procedure(name_match: float, expected: Decision) -> None:
    """"… cả nhà 4 người đi Thái Lan, chưa ai có hộ chiếu, làm lần đầu hết bao nhiêu": the story
    leaves the passport procedure under every bar, but it ranks first and most of its name
    was said. A procedure whose name was hardly said is no answer."""
    question = _question(*[f"w{i}" for i in range(10)])
    passport = SearchHit(
        "procedure", 1, "PASS", "Cấp hộ chiếu phổ thông", 0.62, 15.8, name_match, 0.23, (), "",
        frozenset({"overview", "fee"}), frozenset({"w0", "w1"}),
    )
    faq = SearchHit("faq", 2, "faq-x", "Làm hộ chiếu cho trẻ em có gì khác?", 0.55, 11.4, 0.2, 0.14, (), "", frozenset(), frozenset({"w0"}))
    selection = select_answer(question, [passport, faq], aspects=["fee"], named_aspects=["fee"])
    assert selection.decision is expected


def test_suggestions_are_near_misses_with_content() -> None:
    """Under "not found": FAQs and procedures with content that were partly named and partly
    cover the question, at most three, in search order; a bare national name is no answer."""
    near = _hit("faq", "faq-1", 0.25, {"a"}, name_match=0.3)
    unsaid = _hit("faq", "faq-2", 0.5, {"a"}, name_match=0.1)
    thin = _hit("faq", "faq-3", 0.1, {"a"}, name_match=0.6)
    procedure = _hit("procedure", "1.0", 0.4, {"a"}, name_match=0.4)
    bare = SearchHit("procedure", 2, "9.9", "Tên", 0.8, 10.0, 0.9, 0.9, (), "", frozenset({"overview"}), frozenset({"a"}))
    assert [h.code for h in suggestions([near, unsaid, thin, procedure, bare])] == ["faq-1", "1.0"]
    many = [_hit("faq", f"faq-{i}", 0.5, {"a"}, name_match=0.5) for i in range(6)]
    assert len(suggestions(many)) == 3
