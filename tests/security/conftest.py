"""The security tests reuse the console fixtures (real app, real databases, one account per role)."""

from tests.console.conftest import (  # noqa: F401
    admin,
    app,
    client,
    console_db,
    console_settings,
    editor,
    fast_password_hashing,
    template_db,
    users,
)
