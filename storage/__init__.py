"""Persistence: SQLAlchemy models, repositories (queries only) and alembic migrations."""
