"""Our Rasa server: Rasa's own CLI, after the per-message fixes measured in docs/performance.md.

Run ``python -m serving run ...`` (from ``rasa_project/``) wherever ``rasa run ...`` was run.
Each fix keeps Rasa's behaviour and removes a cost that the profile showed on every message.
"""

from __future__ import annotations

from serving.action_results import compile_action_result_check
from serving.event_types import remember_event_types
from serving.http_sessions import keep_endpoint_sessions


def apply_fixes() -> None:
    """Install every fix (idempotent)."""
    compile_action_result_check()
    remember_event_types()
    keep_endpoint_sessions()
