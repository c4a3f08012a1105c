"""Custom actions of the action server (rasa-sdk). Thin: call services, format replies.

rasa-sdk configures logging before it imports this package; with LOG_FORMAT=json the
handlers are replaced by one-JSON-line logging. Either way masking is installed here, so
every log line the action server writes hides phone numbers, ID numbers and codes.
"""

from dichvucong.applications.masking import install_log_masking
from dichvucong.config import get_settings
from dichvucong.logging_setup import configure_logging

if get_settings().log_format == "json":
    configure_logging(get_settings().log_level, "json")
install_log_masking()
