"""Personal data never reaches the logs: phones, citizen IDs, application codes."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from dichvucong.applications.masking import (
    SensitiveDataFilter,
    install_log_masking,
    mask_code,
    mask_phone,
    mask_sensitive,
)

CODE = "000.00.04.H51-251120-0007"


def test_mask_phone_and_code() -> None:
    assert mask_phone("0912345678") == "091****678"
    assert mask_phone("+84912345678") == "+84******678"
    assert mask_phone("1234") == "**34"
    assert mask_code(CODE) == "000.00.04.H51-******-**07"
    assert mask_code("000.00.04.h51 - 251120 - 0007") == "000.00.04.H51-******-**07"
    assert mask_code("000.00.04.H51-251120-00123") == "000.00.04.H51-******-***23"
    assert mask_code("ABCDEF") == "****EF"


def test_mask_sensitive_covers_every_kind() -> None:
    text = (
        f"sender 42 hỏi hồ sơ {CODE} và 000 00 04 h51 251120 0008, sđt 0912345678 / +84 912 345 679, "
        "CCCD 068123456789, lúc 2026-11-26 10:00, mã thủ tục 1.001193, lệ phí 50.000"
    )
    masked = mask_sensitive(text)
    for secret in ("251120", "0912345678", "+84 912 345 679", "068123456789"):
        assert secret not in masked
    assert "000.00.04.H51-******-**07" in masked and "000.00.04.H51-******-**08" in masked
    assert "091****678" in masked and "*********789" in masked
    assert "2026-11-26 10:00" in masked and "1.001193" in masked and "50.000" in masked
    assert mask_sensitive(masked) == masked  # masking twice changes nothing


@pytest.fixture
def logger_with_stream() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    logger = logging.getLogger("tests.applications.masking")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    yield logger, stream
    logger.removeHandler(handler)


def test_filter_masks_message_arguments_and_tracebacks(logger_with_stream: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = logger_with_stream
    install_log_masking(logger)
    install_log_masking(logger)  # idempotent
    assert sum(isinstance(f, SensitiveDataFilter) for f in logger.handlers[0].filters) == 1
    logger.info("tra cứu %s cho số %s", CODE, "0912345678")
    logger.info("CCCD 068123456789 gửi lúc %d giờ", 10)
    try:
        raise ValueError(f"không tìm thấy {CODE} của 0987654321")
    except ValueError:
        logger.exception("lỗi khi tra cứu")
    output = stream.getvalue()
    assert CODE not in output and "0912345678" not in output and "0987654321" not in output
    assert "068123456789" not in output
    assert "000.00.04.H51-******-**07" in output and "091****678" in output and "098****321" in output
    assert "gửi lúc 10 giờ" in output and "Traceback" in output


def test_install_on_root_reaches_handlers_of_existing_loggers() -> None:
    named = logging.getLogger("tests.applications.masking.other")
    handler = logging.StreamHandler(io.StringIO())
    named.addHandler(handler)
    root_handler = logging.StreamHandler(io.StringIO())
    logging.getLogger().addHandler(root_handler)
    try:
        install_log_masking()
        assert any(isinstance(f, SensitiveDataFilter) for f in handler.filters)
        assert any(isinstance(f, SensitiveDataFilter) for f in root_handler.filters)
    finally:
        named.removeHandler(handler)
        logging.getLogger().removeHandler(root_handler)
        loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
        for target in loggers:
            for item in [target, *getattr(target, "handlers", [])]:
                for f in [f for f in getattr(item, "filters", []) if isinstance(f, SensitiveDataFilter)]:
                    item.removeFilter(f)
