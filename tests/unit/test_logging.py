"""Structured logs: one JSON object per line, personal data masked."""

from __future__ import annotations

import io
import json
import logging

from dichvucong.logging_setup import JsonFormatter, configure_logging


def test_json_lines_with_masked_personal_data() -> None:
    configure_logging("INFO", "json")
    stream = io.StringIO()
    root = logging.getLogger()
    root.handlers[0].stream = stream  # type: ignore[attr-defined]
    logging.getLogger("dichvucong.test").info(
        "tra cứu %s từ số %s", "000.21.10.H51-261118-0001", "0912345678", extra={"channel": "telegram"}
    )
    line = stream.getvalue().strip().splitlines()[-1]
    entry = json.loads(line)
    assert entry["level"] == "INFO" and entry["logger"] == "dichvucong.test" and entry["channel"] == "telegram"
    assert "0912345678" not in line and "261118-0001" not in line
    configure_logging("INFO", "text")


def test_exceptions_stay_on_one_line() -> None:
    try:
        raise ValueError("hỏng")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "lỗi", (), exc_info=__import__("sys").exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line and "ValueError" in json.loads(line)["exception"]
