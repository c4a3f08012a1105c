"""Benchmark of the Vietnamese tokenizer on long and pathological messages (Rasa env).

    PYTHONPATH=.:rasa_project .venv-rasa/bin/python bench/tokenizer_bench.py
"""

from __future__ import annotations

import time
import unicodedata

from components.vietnamese_tokenizer import VietnameseTokenizer
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

CASES = {
    "citizen question": "Làm lại căn cước công dân mất bao nhiêu tiền, nộp ở đâu ạ?",
    "5,000 characters": ("Tôi muốn hỏi thủ tục đăng ký kết hôn cần những giấy tờ gì, lệ phí 70.000 đồng? " * 70)[:5000],
    "dot run": "a." * 2500,
    "emoji run": "😀" * 5000,
    "NFD sentences": unicodedata.normalize("NFD", "Đăng ký thường trú ở đâu? " * 200),
}


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = VietnameseTokenizer.create(
            VietnameseTokenizer.get_default_config(), LocalModelStorage(tmp), Resource("t"), ExecutionContext(GraphSchema({}), "b")
        )
        tokenizer.tokenize(Message(data={TEXT: "khởi động"}), TEXT)
        for name, text in CASES.items():
            runs = 20
            started = time.perf_counter()
            for _ in range(runs):
                tokenizer.tokenize(Message(data={TEXT: text}), TEXT)
            print(f"{name:18} {len(text):5} chars  {(time.perf_counter() - started) / runs * 1000:8.2f} ms/message")


if __name__ == "__main__":
    main()
