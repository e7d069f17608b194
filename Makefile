# 整改助手 — developer commands. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test test-pg lint bench run migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,semantic]'
	touch $(INSTALLED)

demo: $(INSTALLED)
	$(BIN)/zhenggai demo

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: $(INSTALLED) lint
	$(BIN)/python -m pytest

# the same suite against a PostgreSQL server; the tests create and drop their own database
test-pg: $(INSTALLED)
	ZG_TEST_DATABASE_URL=$${ZG_TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/postgres} \
		$(BIN)/python -m pytest tests/services tests/handlers tests/scheduling tests/test_migrations.py

bench: $(INSTALLED)
	$(BIN)/python bench/run.py

run: $(INSTALLED)
	$(BIN)/zhenggai run

migrate: $(INSTALLED)
	$(BIN)/zhenggai migrate

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
