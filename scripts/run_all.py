"""Entry point of ``make run``: start Rasa, the action server and the console; Ctrl-C stops all."""

from dichvucong.devstack import main

if __name__ == "__main__":
    raise SystemExit(main())
