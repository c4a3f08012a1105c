"""The demo data in ``data/``: catalogue, FAQs, thesaurus, commune service points and applications."""

from __future__ import annotations

from dichvucong.addresses.importer import import_service_points
from dichvucong.applications.importer import import_applications
from dichvucong.catalog.importer import import_catalog
from dichvucong.config import PROJECT_ROOT
from dichvucong.db.session import get_sessionmaker
from dichvucong.faqs.importer import import_faqs
from dichvucong.importing import ImportReport
from dichvucong.review.reviewed_questions import import_reviewed_questions
from dichvucong.thesaurus.importer import import_thesaurus

DATA_DIR = PROJECT_ROOT / "data"
CATALOG_FILE = DATA_DIR / "catalog" / "procedures.json"
FAQ_FILE = DATA_DIR / "faqs.jsonl"
# Situational FAQs (several per procedure) written for the national-scale evaluation.
FAQ_MORE_FILE = DATA_DIR / "faqs_more.jsonl"
FAQ_FILES = tuple(p for p in (FAQ_FILE, FAQ_MORE_FILE) if p.exists())
SERVICE_POINTS_FILE = DATA_DIR / "service_points.json"
APPLICATIONS_FILE = DATA_DIR / "applications.csv"
THESAURUS_FILE = DATA_DIR / "thesaurus.csv"  # citizens' names for official terms
# Citizens' questions labelled with the FAQ or procedure they ask about (the dev question
# sets, written as citizens type), attached as the review loop attaches them.
REVIEWED_QUESTIONS_FILE = DATA_DIR / "reviewed_questions.jsonl"


def seed_demo_data(database_url: str | None = None, reviewed_questions: bool = True) -> dict[str, ImportReport]:
    """Import every demo file into the database (idempotent, like the importers);
    ``reviewed_questions=False`` leaves out the attached citizens' questions."""
    with get_sessionmaker(database_url)() as session:
        reports = {
            "catalog": import_catalog(session, CATALOG_FILE),
            **{f"faqs:{path.name}": import_faqs(session, path) for path in FAQ_FILES},
            "thesaurus": import_thesaurus(session, THESAURUS_FILE),
            "service_points": import_service_points(session, SERVICE_POINTS_FILE),
            "applications": import_applications(session, APPLICATIONS_FILE),
        }
        if reviewed_questions and REVIEWED_QUESTIONS_FILE.exists():
            reports["reviewed_questions"] = import_reviewed_questions(session, REVIEWED_QUESTIONS_FILE)
        return reports
