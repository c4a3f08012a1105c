"""The officials' web console at ``/console``: accounts, FAQs, procedures, history, try-it,
import and export. Server-rendered (Jinja2) with a little vanilla JS; every asset is local.
"""

from dichvucong.console.setup import bootstrap_console, console_bad_request, install_console

__all__ = ["bootstrap_console", "console_bad_request", "install_console"]
