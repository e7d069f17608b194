import os
from pathlib import Path

import pytest

from knowledge import KnowledgeBase
from knowledge import cache as knowledge_cache

from .conftest import SMALL_LAW, write

EXTRA = """---
title: 测试志愿者守则
complete: yes
---
第一条 志愿者参加活动应当佩戴胸牌。
"""


def test_reload_picks_up_changes(small_folder: Path, tmp_path: Path) -> None:
    base = KnowledgeBase.load(small_folder, tmp_path / "cache")
    assert base.reload().unchanged
    assert not base.search("志愿者胸牌").answered

    write(small_folder, "volunteers.md", EXTRA)
    report = base.reload()
    assert report.added == ["volunteers.md"]
    assert base.search("志愿者胸牌").answered

    write(small_folder, "association.md", SMALL_LAW.replace("专款专用", "专项管理"))
    report = base.reload()
    assert report.changed == ["association.md"]
    assert "专项管理" in (base.article("association.md", 3) or pytest.fail()).text

    (small_folder / "volunteers.md").unlink()
    report = base.reload()
    assert report.removed == ["volunteers.md"]
    assert not base.search("志愿者胸牌").answered
    assert base.find_document("测试志愿者守则") is None


def test_add_document(small_folder: Path, tmp_path: Path) -> None:
    base = KnowledgeBase.load(small_folder, tmp_path / "cache")
    report = base.add_document("volunteers.md", EXTRA.encode())
    assert report.added == ["volunteers.md"]
    assert (small_folder / "volunteers.md").exists()
    assert base.find_document("测试志愿者守则") is not None
    replaced = base.add_document("volunteers.md", EXTRA.replace("胸牌", "工作证").encode())
    assert replaced.changed == ["volunteers.md"]
    assert base.search("志愿者工作证").answered


@pytest.mark.parametrize(
    "name", ["../escape.md", "README.md", "notes.pdf", "", ".hidden.md", "a/b.md"])
def test_add_document_rejects_bad_names(small_folder: Path, tmp_path: Path, name: str) -> None:
    base = KnowledgeBase.load(small_folder, tmp_path / "cache")
    report = base.add_document(name, EXTRA.encode())
    assert report.failed and not report.added
    assert sorted(p.name for p in small_folder.iterdir()) == ["association.md"]


def test_add_document_rejects_unreadable_content(small_folder: Path, tmp_path: Path) -> None:
    base = KnowledgeBase.load(small_folder, tmp_path / "cache")
    report = base.add_document("broken.docx", b"not a word file")
    assert report.failed[0][0] == "broken.docx"
    assert not (small_folder / "broken.docx").exists()


def test_unreadable_file_is_reported_and_skipped(small_folder: Path, tmp_path: Path) -> None:
    (small_folder / "broken.docx").write_bytes(b"garbage")
    (small_folder / "bad-encoding.txt").write_bytes(b"\xff\xfe\xfa\xff")
    (small_folder / "scan.pdf").write_bytes(b"%PDF-1.4")
    base = KnowledgeBase.load(small_folder, tmp_path / "cache")
    failed = dict(base.load_errors)
    assert set(failed) == {"broken.docx", "bad-encoding.txt", "scan.pdf"}
    assert all(reason for reason in failed.values())
    assert base.search("测试协会第二条").answered

    (small_folder / "broken.docx").unlink()
    report = base.reload()
    assert report.removed == ["broken.docx"]
    assert "broken.docx" not in dict(base.load_errors)


def test_cache_is_used_across_restarts(small_folder: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = KnowledgeBase.load(small_folder, cache)
    knowledge_cache.flush()  # the file is written in the background
    assert list(cache.glob("index-*.pkl"))
    second = KnowledgeBase.load(small_folder, cache)
    assert second.search("会费").hits[0].passage == first.search("会费").hits[0].passage


def test_damaged_cache_is_rebuilt(small_folder: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    KnowledgeBase.load(small_folder, cache)
    knowledge_cache.flush()
    for path in cache.glob("index-*.pkl"):
        path.write_bytes(b"not a pickle")
    base = KnowledgeBase.load(small_folder, cache)
    assert base.search("测试协会第三条").answered


def test_unwritable_cache_dir(small_folder: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    base = KnowledgeBase.load(small_folder, blocker / "cache")
    assert base.search("测试协会第一条").answered


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True,
                    reason="root can write anywhere")
def test_read_only_folder(small_folder: Path, tmp_path: Path) -> None:
    small_folder.chmod(0o555)
    try:
        base = KnowledgeBase.load(small_folder, tmp_path / "cache")
        assert base.add_document("new.md", EXTRA.encode()).failed
    finally:
        small_folder.chmod(0o755)


def test_missing_folder(tmp_path: Path) -> None:
    base = KnowledgeBase.load(tmp_path / "absent", tmp_path / "cache")
    assert base.documents == []
    assert not base.search("红十字会法第十一条").answered
