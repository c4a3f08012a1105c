"""Browser tests of the chat widget: Playwright for Python driving Debian's Chromium.

``stack`` and ``trained_model`` (Rasa, actions and console on free ports) come from
tests/stack.py, which tests/conftest.py loads as a plugin; they are shared with the e2e tests
rather than re-defined here, so one pytest run starts one stack. The widget itself is served
by a small uvicorn server (an app with just ``dichvucong.widget.router``) on a free port, a
different origin from Rasa, as in production. No browser is ever downloaded: without
/usr/bin/chromium every test that needs a browser is skipped (scripts/install_browser.sh).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from dichvucong.devstack import StackConfig
from dichvucong.widget import router
from tests.stack import free_port

SCREENSHOTS = Path(os.environ.get("WIDGET_SCREENSHOTS", "")) if os.environ.get("WIDGET_SCREENSHOTS") else None


def widget_app() -> FastAPI:
    app = FastAPI()
    app.include_router(router)
    return app


@pytest.fixture(scope="session")
def widget_server() -> Iterator[str]:
    """Base URL of a server that serves the widget routes (a different origin from Rasa)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(widget_app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="widget-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the widget server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def demo_url(widget_server: str, stack: StackConfig) -> str:
    return f"{widget_server}/widget/demo?rasa=http://127.0.0.1:{stack.rasa_port}"


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
