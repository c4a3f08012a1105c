"""The e2e fixtures live in tests/stack.py (a plugin loaded by tests/conftest.py).

Re-exported here so `from tests.e2e.conftest import Citizen, stack, ...` keeps working.
"""

from tests.stack import Citizen, free_port, inputs_hash, rasa_env, run_rasa, stack, trained_model  # noqa: F401
