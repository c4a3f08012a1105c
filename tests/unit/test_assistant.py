"""The assistant service end to end on the demo data: what a citizen reads back."""

from __future__ import annotations

import pytest

from dichvucong.assistant.service import AssistantService, Reply
from dichvucong.config import Settings
from dichvucong.db.session import get_sessionmaker
from dichvucong.search import SearchService


@pytest.fixture(scope="module")
def assistant(seeded_url: str) -> AssistantService:
    factory = get_sessionmaker(seeded_url)
    settings = Settings(database_url=seeded_url)
    return AssistantService(factory, SearchService(factory, refresh_seconds=0), settings)


def ask(assistant: AssistantService, text: str, intent: str, current: str | None = None) -> Reply:
    return assistant.answer_question(text, intent, current_code=current)


def test_fee_question_names_the_procedure_and_the_amount(assistant: AssistantService) -> None:
    reply = ask(assistant, "làm lại căn cước mất bao nhiêu tiền", "ask_fee")
    assert reply.kind == "answer" and reply.procedure_code == "1.012354"
    assert "Cấp lại thẻ căn cước" in reply.text and "70.000 đồng" in reply.text


def test_unaccented_documents_question_lists_documents(assistant: AssistantService) -> None:
    reply = ask(assistant, "dang ky khai sinh can giay to gi", "ask_documents")
    assert reply.procedure_code == "1.001193"
    assert "Giấy tờ cần chuẩn bị — Đăng ký khai sinh" in reply.text
    assert "1. " in reply.text and "Giấy chứng sinh" in reply.text


def test_two_aspects_in_one_message_get_both_answers(assistant: AssistantService) -> None:
    reply = ask(assistant, "đăng ký kết hôn nộp ở đâu, mất mấy ngày?", "ask_place")
    assert reply.procedure_code == "1.000894"
    assert "Nơi nộp hồ sơ — Đăng ký kết hôn" in reply.text
    assert "Thời gian giải quyết — Đăng ký kết hôn" in reply.text


def test_follow_up_uses_the_procedure_in_context(assistant: AssistantService) -> None:
    reply = ask(assistant, "còn lệ phí thì sao?", "ask_fee", current="1.000894")
    assert reply.procedure_code == "1.000894" and "Lệ phí — Đăng ký kết hôn" in reply.text
    assert "Miễn lệ phí" in reply.text


def test_follow_up_without_context_asks_which_procedure(assistant: AssistantService) -> None:
    reply = ask(assistant, "còn lệ phí thì sao?", "ask_fee")
    assert reply.kind == "ask_procedure" and reply.pending_aspects == ["fee"]


def test_close_candidates_get_did_you_mean_buttons(assistant: AssistantService) -> None:
    reply = ask(assistant, "căn cước", "ask_overview")
    assert reply.kind == "clarify" and reply.text.startswith("Ý bạn là")
    assert len(reply.buttons) >= 2
    assert all(b.payload.startswith('/choose_procedure{"procedure_code": "1.0123') for b in reply.buttons)


def test_choosing_a_button_answers_the_pending_aspect(assistant: AssistantService) -> None:
    reply = assistant.answer_question("", "choose_procedure", chosen_code="1.012354", pending_aspects=["fee"])
    assert reply.procedure_code == "1.012354" and "Lệ phí — Cấp lại thẻ căn cước" in reply.text


def test_nothing_matching_points_to_hotline_and_portal(assistant: AssistantService) -> None:
    reply = ask(assistant, "thủ tục xin visa đi Mỹ", "ask_documents")
    assert reply.kind == "not_found" and "1022" in reply.text and "dichvucong.gov.vn" in reply.text


def test_faq_answers_a_question_the_catalogue_does_not(assistant: AssistantService) -> None:
    reply = ask(assistant, "mất giấy khai sinh bản gốc thì làm sao", "ask_steps")
    assert reply.kind == "faq" and reply.faq_id
    assert "trích lục" in reply.text


def test_old_address_is_converted_to_the_current_commune(assistant: AssistantService) -> None:
    reply = ask(assistant, "Tôi ở xã Đắk R'Moăn, Gia Nghĩa, Đắk Nông cũ thì nộp hồ sơ ở đâu?", "ask_place")
    assert "Phường Nam Gia Nghĩa" in reply.text and "Lâm Đồng" in reply.text
    assert "Trung tâm Phục vụ hành chính công phường Nam Gia Nghĩa" in reply.text


def test_old_address_with_a_procedure_answers_place_for_that_procedure(assistant: AssistantService) -> None:
    reply = ask(assistant, "nha toi o phuong nghia thanh, gia nghia, dak nong cu, dang ky ket hon o dau", "ask_place")
    assert reply.procedure_code == "1.000894"
    assert "Phường Bắc Gia Nghĩa" in reply.text


@pytest.mark.parametrize(
    ("aspect_intent", "expected"),
    [
        ("ask_legal_basis", "Căn cứ pháp lý — Đăng ký kết hôn"),
        ("ask_steps", "Bước 1:"),
        ("ask_result", "Kết quả nhận được — Đăng ký kết hôn"),
        ("ask_conditions", "Điều kiện — Đăng ký kết hôn"),
        ("ask_overview", "Thông tin chung — Đăng ký kết hôn"),
    ],
)
def test_every_aspect_has_an_answer(assistant: AssistantService, aspect_intent: str, expected: str) -> None:
    reply = ask(assistant, "đăng ký kết hôn", aspect_intent)
    assert expected in reply.text


def test_answers_fit_on_a_phone(assistant: AssistantService) -> None:
    for intent in ["ask_documents", "ask_steps", "ask_place", "ask_conditions", "ask_legal_basis"]:
        for question in ["cấp giấy phép xây dựng nhà ở", "làm sổ đỏ lần đầu", "hộ kinh doanh"]:
            reply = ask(assistant, question, intent)
            assert len(reply.text) <= 3000, (question, intent, len(reply.text))


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂🙂", "?!?!", "<script>alert('x')</script>", "a" * 5000])
def test_bad_input_gets_a_polite_reply(assistant: AssistantService, text: str) -> None:
    reply = ask(assistant, text, "ask_documents")
    assert reply.text and reply.kind in {"bad_input", "not_found", "ask_procedure"}
    assert "<script>" not in reply.text


def test_sql_looking_text_is_just_text(assistant: AssistantService) -> None:
    reply = ask(assistant, "'; DROP TABLE procedures; --", "ask_fee")
    assert reply.kind in {"not_found", "ask_procedure"}
    assert ask(assistant, "làm lại căn cước mất bao nhiêu tiền", "ask_fee").procedure_code == "1.012354"


def test_other_language_is_answered_in_vietnamese(assistant: AssistantService) -> None:
    reply = ask(assistant, "how do I register a birth certificate", "ask_steps")
    assert reply.kind == "bad_input" and "tiếng Việt" in reply.text


def test_unclear_message_answers_when_search_is_sure(assistant: AssistantService) -> None:
    reply = assistant.answer_unclear("gplx bị mất")
    assert reply.procedure_code == "1.013157"


def test_unclear_message_asks_a_clarifying_question(assistant: AssistantService) -> None:
    reply = assistant.answer_unclear("ừ thì cái kia đó")
    assert reply.kind == "clarify" and "chưa hiểu rõ" in reply.text


def test_step_numbers_are_not_doubled(assistant: AssistantService) -> None:
    reply = ask(assistant, "các bước đăng ký khai sinh", "ask_steps")
    assert "Bước 1:" in reply.text and "Bước 1: Bước" not in reply.text


def test_short_question_reaches_its_faq_when_nothing_else_fits(assistant: AssistantService) -> None:
    reply = ask(assistant, "mot cua lam viec thu 7", "ask_overview")
    assert reply.kind == "faq" and "thứ" in reply.text.lower()


@pytest.mark.parametrize(
    ("question", "heading"),
    [
        ("lam khai sinh cho be co ton tien ko", "Lệ phí — Đăng ký khai sinh"),
        ("khai sinh cho con thì lên xã nào làm", "Nơi nộp hồ sơ — Đăng ký khai sinh"),
        ("dang ky ket hon co nhanh khong", "Thời gian giải quyết — Đăng ký kết hôn"),
        ("đăng ký kết hôn theo nghị định nào", "Căn cứ pháp lý — Đăng ký kết hôn"),
    ],
)
def test_everyday_wording_names_the_aspect_when_the_intent_is_unclear(
    assistant: AssistantService, question: str, heading: str
) -> None:
    reply = assistant.answer_question(question, None)
    assert heading in reply.text


@pytest.mark.parametrize(
    ("question", "aspects"),
    [
        ("công chứng với chứng thực khác nhau chỗ nào", []),
        ("phiếu số 1 và số 2 khác nhau thế nào", []),
        ("đăng ký kết hôn làm ở chỗ nào", ["place"]),
    ],
)
def test_a_comparison_names_no_place_or_steps(question: str, aspects: list[str]) -> None:
    from dichvucong.assistant.aspects import detect_aspects

    assert [a.value for a in detect_aspects(question)] == aspects


@pytest.mark.parametrize(
    ("question", "aspects"),
    [
        # The longer of two overlapping phrases says what is asked.
        ("làm lại căn cước mất bao nhiêu ngày", ["time"]),
        ("làm lại căn cước mất bao nhiêu", ["fee"]),
        ("đăng ký tạm trú xong thì nhận được giấy gì", ["result"]),
        ("đăng ký tạm trú cần giấy gì", ["documents"]),
        # Everyday and regional ways of asking when, how much and what one gets.
        ("mai tui ra phường làm khai sinh chừng nào lấy được", ["time"]),
        ("chứng thực bản sao có lấy liền trong ngày không", ["time"]),
        ("chứng thực bảng điểm dày 5 trang thì tính tiền thế nào", ["fee", "steps"]),
        ("nộp hồ sơ thất nghiệp xong được cầm về cái gì", ["result"]),
        ("mấy tuổi thì được làm căn cước", ["conditions"]),
        # Money the citizen pays or gets is the "fee" aspect of an FAQ or a procedure.
        ("bán đất thì ai phải nộp thuế", ["fee"]),
        ("người khuyết tật nặng được trợ cấp bao nhiêu một tháng", ["fee"]),
        # Short chat questions: "cần gì", "phí gì", "mấy bước", "xong nhận gì".
        ("Đổi bằng ô tô cần gì?", ["documents"]),
        ("sang ten so hong phi j", ["fee"]),
        ("sao y bao nhieu mot trang", ["fee"]),
        ("dk ket hon may buoc v", ["steps"]),
        ("dang ky vneid muc 2 xong nhan gi", ["result"]),
        ("dk ket hon buoi sang thi chieu co giay luon ko", ["time"]),
        # "bắt buộc làm" folds like "bước làm" and asks whether, not the steps.
        ("be nha e moi 8t, co bat buoc lm the can cuoc cho be chua a", ["conditions"]),
        # "phí" alone asks the fee when it opens the question or comes before "bao nhiêu";
        # "đất phi nông nghiệp" is a kind of land.
        ("Phí đổi bằng lái bao nhiêu?", ["fee"]),
        ("phi giay phep xay nha?", ["fee"]),
        ("chuyen sang dat phi nong nghiep lam o dau", ["place"]),
        # "cần đk gì" is "cần điều kiện gì"; "đk tạm trú" stays "đăng ký".
        ("cap lai gplx can dk gi", ["conditions"]),
        ("doi the bhyt xong nhan the giay hay the dien tu", ["result"]),
        ("xin trich luc ket hon thi dc cai j", ["result"]),
        # Central speech: "ở mô" is where, "ra răng" how, "giấy tờ chi" which papers; "cho
        # mở" and "khi mở" (to open a shop) ask nothing.
        ("Sang tên đất thì nộp hồ sơ ở chỗ mô?", ["place"]),
        ("mat chung minh thu thi di lam lai o mo a", ["place"]),
        ("Năm ni đổi căn cước trên VNeID, các bước làm ra răng?", ["steps"]),
        ("Đăng ký nhận cha, mẹ, con thì hồ sơ gồm những giấy tờ chi vậy ạ?", ["documents"]),
        ("xa co cho mo quan karaoke khong", []),
        ("khi mo tiem tap hoa co phai dang ky ho kinh doanh khong", []),
    ],
)
def test_everyday_aspect_phrases(question: str, aspects: list[str]) -> None:
    from dichvucong.assistant.aspects import detect_aspects

    assert [a.value for a in detect_aspects(question)] == aspects


@pytest.mark.parametrize(
    ("message", "asked"),
    [
        # The sentence that asks, not the story before it.
        ("Mảnh đất không có giấy tờ gì. Con cháu muốn làm sổ đỏ thì có được không?", "Con cháu muốn làm sổ đỏ thì có được không?"),
        ("Muốn đăng ký kết hôn thì phải đủ điều kiện gì? Con trai tôi người Mường.", "Muốn đăng ký kết hôn thì phải đủ điều kiện gì?"),
        # No question mark: the last sentence; one sentence: all of it.
        ("Tôi ở Hà Nội. Sinh con ở nhà. Làm khai sinh mất bao lâu", "Làm khai sinh mất bao lâu"),
        ("lam khai sinh mat bao lau, nop o dau", "lam khai sinh mat bao lau, nop o dau"),
    ],
)
def test_the_asking_part_of_a_message(message: str, asked: str) -> None:
    from dichvucong.assistant.aspects import asked_part

    assert asked_part(message) == asked


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("đăng ký hộ kinh doanh là thủ tục gì", True),
        ("tài khoản định danh mức 2 dùng để làm gì", True),
        ("vừa mất căn cước, việc đầu tiên cần làm là gì", False),
        ("giấy độc thân dùng được bao lâu", False),
    ],
)
def test_what_asks_what_a_procedure_is(question: str, asks: bool) -> None:
    from dichvucong.assistant.aspects import asks_what_it_is

    assert asks_what_it_is(question) is asks


def test_what_it_is_and_who_may_are_both_answered() -> None:
    from dichvucong.assistant.aspects import Aspect, aspects_for

    assert aspects_for(None, "trợ cấp xã hội hằng tháng là thủ tục gì, ai được hưởng") == [Aspect.CONDITIONS, Aspect.OVERVIEW]
    assert aspects_for("ask_overview", "đăng ký tạm trú ở đâu") == [Aspect.PLACE]


def test_what_it_is_asked_with_another_aspect_comes_first_and_brief(assistant: AssistantService) -> None:
    reply = assistant.answer_question("đăng ký tạm trú là gì, cần giấy tờ gì", None)
    overview, documents = reply.text.split("\n\n")[:2]
    assert overview.startswith("ℹ️ Thông tin chung — Đăng ký tạm trú:") and "Lệ phí" not in overview
    assert documents.startswith("📄 Giấy tờ cần chuẩn bị — Đăng ký tạm trú:")
