"""Custom actions of the action server (rasa-sdk). Thin: call services, format replies.

rasa-sdk configures logging before it imports this package; with LOG_FORMAT=json the
handlers are replaced by one-JSON-line logging. Either way masking is installed here, so
every log line the action server writes hides phone numbers, ID numbers and codes.
"""

from dichvucong.applications.masking import install_log_masking
from dichvucong.logging_setup import configure_logging
from dichvucong.startup import StartupError, load_settings

try:  # a wrong setting stops the action server here, in one line (dichvucong/startup.py)
    _settings = load_settings()
except StartupError as exc:
    raise SystemExit(f"Máy chủ hành động không khởi động được: {exc}") from None
if _settings.log_format == "json":
    configure_logging(_settings.log_level, "json")
install_log_masking()
