"""``python -m serving run ...``: Rasa's CLI with our fixes installed first."""

from __future__ import annotations

from serving import apply_fixes


def main() -> None:
    apply_fixes()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
