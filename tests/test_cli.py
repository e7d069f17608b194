"""The `zhenggai` command line: import contract, invites, people."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO.parent / "shared" / "samples"


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    return path


def test_dry_run_json_is_the_plan_format_and_saves_nothing(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(REPO / "examples/huaibei-ledger.xlsx"), "--dry-run", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"aspects", "warnings"}
    measure = out["aspects"][0]["problems"][0]["measures"][0]
    assert set(measure) == {"text", "leader", "department", "owner", "deadline", "deadline_raw"}
    assert measure["deadline"] == "2022-02-28" and measure["deadline_raw"] == "2022年2月底前"
    assert main(["people"]) == 0
    assert capsys.readouterr().out == ""


def test_import_then_invite(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(REPO / "examples/huaibei-plan.json")]) == 0
    assert "措施 32" in capsys.readouterr().out
    assert main(["invite", "孙某某", "--bot-username", "zg_bot"]) == 0
    assert capsys.readouterr().out.startswith("https://t.me/zg_bot?start=")
    assert main(["invite", "孙某某"]) == 0
    assert capsys.readouterr().out.startswith("/start ")
    assert main(["invite", "无此人"]) == 2
    assert "没有找到" in capsys.readouterr().err


def test_bad_file_is_refused_with_a_reason(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "plan.doc"
    broken.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert main(["import", str(broken)]) == 2
    assert "无法导入：文件已损坏" in capsys.readouterr().err
    assert main(["people"]) == 0
    assert capsys.readouterr().out == ""


def test_person_add_and_list(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["person", "add", "张三", "--department", "财务室", "--role", "leader"]) == 0
    assert main(["people"]) == 0
    assert "张三\t财务室\tleader\t未绑定" in capsys.readouterr().out
