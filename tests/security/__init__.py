"""The attack suite: each test plays one attack against the real app and shows it fails.

Read the module names as the list of what is defended (details in docs/security.md):

- ``test_code_guessing``: guessing an application's 4 phone digits with a fresh sender id per
  guess through the REST channel is bounded by the code's own budget; the right digits reveal
  nothing once it is spent; staff see the locked code (service-level and concurrency tests:
  tests/applications/test_code_budget.py, SQLite and PostgreSQL).
- ``test_console_login``: one message for every sign-in failure, throttles per username and per
  client address that slow instead of locking an admin out, the attempt recorded before the
  slow hash (concurrent requests cannot all get a guess), bounded hashing, common passwords
  refused, X-Forwarded-* believed only from trusted proxies, Secure cookies and HSTS on HTTPS.
- ``test_exports_formula``: CSV/XLSX exports never carry a live formula, and our own export
  imports back to the same text.
- ``test_masking_shapes``: every personal-number shape is masked in logs and review texts.
- ``test_upload_limits``: zip bombs disguised as .xlsx are refused before parsing.

- ``test_channel_spoofing``: a REST (or socket.io) client cannot post as a Telegram, Zalo or
  web user nor pass its message off as another channel; forged, altered and expired widget
  tokens are refused and a page continues only its own session; Rasa's HTTP API answers 401
  without the token (tracker read, event append, trigger_intent, PUT /model); CORS only for
  the configured origins.
- ``test_notification_recipients``: status notifications never go to another channel's user.

Webhook bodies, signatures and Zalo replays: tests/connectors/test_webhook_hardening.py and
tests/rasa/test_connectors_*.py; TLS, HSTS, routes and the demo page in production:
tests/production/test_compose.py.
"""
