"""Database access: engine/session factory, ORM models and migrations."""
