"""Shared fixtures: the shipped folder is indexed once per test session (lexical engine)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import KnowledgeBase

SHIPPED = Path(__file__).resolve().parents[2] / "knowledge"


@pytest.fixture(scope="session")
def shipped_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return KnowledgeBase.load(SHIPPED, tmp_path_factory.mktemp("kb-cache"), semantic=False)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


SMALL_LAW = """---
title: 测试协会管理办法
history:
  - 2020年1月1日 理事会通过
  - 2022年5月6日 理事会修订
complete: yes
---
# 测试协会管理办法

## 第一章 总则

第一条 为了规范测试协会的管理，制定本办法。

第二条 测试协会的会员应当按时缴纳会费。

会费标准由理事会决定。

## 第二章 财务

第三条 协会的捐赠款物应当专款专用，并每年向社会公开收支情况。

第四条 本办法自公布之日起施行。
"""


@pytest.fixture
def small_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    write(folder, "association.md", SMALL_LAW)
    return folder
