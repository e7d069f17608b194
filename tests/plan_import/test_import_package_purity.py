"""The plan import package is plain Python: no Telegram, no database, no handlers."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("aiogram", "sqlalchemy", "storage", "handlers")


def test_importing_the_package_loads_no_telegram_or_database_code() -> None:
    code = (
        "import sys\n"
        "import bot.services.plan_import as package\n"
        "from bot.services.plan_import import (parse_plan_file, ParsedPlan, PlanImportError,\n"
        "    normalise_deadline, split_names, Deadline)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
