"""Browser tests of the chat widget: Playwright for Python driving Debian's Chromium.

``stack`` and ``trained_model`` (Rasa, actions and console on free ports) come from
tests/stack.py, which tests/conftest.py loads as a plugin; they are shared with the e2e tests
rather than re-defined here, so one pytest run starts one stack. The demo page, widget.js and
the session tokens come from the stack's console, a different origin from Rasa, as in
production; Rasa answers CORS for the console's origin only (RASA_CORS_ORIGINS' default).
No browser is ever downloaded: without /usr/bin/chromium every test that needs a browser is
skipped (scripts/install_browser.sh).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from dichvucong.devstack import StackConfig
from dichvucong.widget import router

SCREENSHOTS = Path(os.environ.get("WIDGET_SCREENSHOTS", "")) if os.environ.get("WIDGET_SCREENSHOTS") else None


def widget_app() -> FastAPI:
    app = FastAPI()
    app.include_router(router)
    return app


@pytest.fixture
def console_url(stack: StackConfig) -> str:
    """The stack's console: it serves the demo page, widget.js and /widget/session."""
    return f"http://127.0.0.1:{stack.console_port}"


@pytest.fixture
def demo_url(console_url: str, stack: StackConfig) -> str:
    return f"{console_url}/widget/demo?rasa=http://127.0.0.1:{stack.rasa_port}"


class PageErrors(list):
    """Uncaught script errors and alert() dialogs of one page: a test fails if there are any."""


def _new_page(browser, errors: PageErrors, **context_options):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="vi-VN", **context_options)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        if dialog.type == "confirm":  # the widget's own "start a new conversation?" question
            dialog.accept()
            return
        errors.append(f"dialog: {dialog.type} {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return context, page


@pytest.fixture
def page_errors() -> PageErrors:
    return PageErrors()


@pytest.fixture
def page(browser, page_errors: PageErrors) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A desktop page in a fresh context (empty localStorage)."""
    context, page = _new_page(browser, page_errors, viewport={"width": 1280, "height": 800})
    yield page
    context.close()
    assert not page_errors, page_errors


@pytest.fixture
def phone_page(browser, page_errors: PageErrors) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A phone-sized page (390x844, touch) in a fresh context."""
    context, page = _new_page(
        browser, page_errors, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    yield page
    context.close()
    assert not page_errors, page_errors


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Save a screenshot when WIDGET_SCREENSHOTS names a directory (for looking at the design)."""
    if SCREENSHOTS is not None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
