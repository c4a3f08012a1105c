"""The Rasa tests need the Rasa environment (Python 3.10 with rasa and underthesea).

Run them with ``PYTHONPATH=.:rasa_project <rasa-env>/bin/python -m pytest tests/rasa``. In
an environment without Rasa (the application's own) this directory is left out of
collection instead of failing at import time.
"""

import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("rasa") else ["test_*.py"]
