"""Console routers, one module per resource; every one checks CSRF on POST."""

from dichvucong.console.routes import (
    accounts,
    auth,
    dashboard,
    faqs,
    history,
    inbox,
    procedures,
    security,
    thesaurus,
    transfer,
    tryit,
)

ROUTERS = [
    auth.router,
    dashboard.router,
    faqs.router,
    procedures.router,
    thesaurus.router,
    history.router,
    tryit.router,
    transfer.router,
    accounts.router,
    security.router,
    inbox.router,
]
