"""Our Rasa server: Rasa's own CLI, after the per-message fixes measured in docs/performance.md.

Run ``python -m serving run ...`` (from ``rasa_project/``) wherever ``rasa run ...`` was run.
Each speed fix keeps Rasa's behaviour and removes a cost that the profile showed on every
message; one changes it on purpose: a failed action call asks the citizen to send the message
again instead of staying silent (serving/action_failures.py).
"""

from __future__ import annotations

from serving.action_failures import ask_to_retry_failed_actions
from serving.action_results import compile_action_result_check
from serving.event_types import remember_event_types
from serving.http_sessions import keep_endpoint_sessions


def apply_fixes() -> None:
    """Install every fix (idempotent)."""
    compile_action_result_check()
    remember_event_types()
    keep_endpoint_sessions()
    ask_to_retry_failed_actions()
