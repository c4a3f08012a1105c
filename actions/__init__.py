"""Custom actions of the action server (rasa-sdk). Thin: call services, format replies.

rasa-sdk configures logging before it imports this package, so masking installed here
covers every log line the action server writes (phone numbers, ID numbers, codes).
"""

from dichvucong.applications.masking import install_log_masking

install_log_masking()
