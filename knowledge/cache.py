"""The on-disk index cache: one pickle per folder state, keyed by file hashes and engine version.

The cache lives outside the knowledge folder (which may be read-only). Any problem with it —
unwritable directory, truncated or foreign file — just means building the index again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ENGINE_VERSION = "lexical-1"


def _engine_fingerprint() -> str:
    # Any change to the engine's code invalidates cached indexes, not only a version bump.
    digest = hashlib.blake2b(ENGINE_VERSION.encode(), digest_size=8)
    for source in sorted(Path(__file__).parent.glob("*.py")):
        try:
            digest.update(source.read_bytes())
        except OSError:
            continue
    return digest.hexdigest()


ENGINE_FINGERPRINT = _engine_fingerprint()
_KEEP_FILES = 6


def default_cache_dir() -> Path:
    override = os.environ.get("ZHENGGAI_CACHE_DIR")
    if override:
        return Path(override) / "knowledge"
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "zhenggai" / "knowledge"


def cache_key(folder: Path, file_hashes: dict[str, str]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(ENGINE_FINGERPRINT.encode())
    digest.update(str(folder.resolve()).encode())
    for name in sorted(file_hashes):
        digest.update(f"\0{name}\0{file_hashes[name]}".encode())
    return digest.hexdigest()


_pending: dict[Path, threading.Thread] = {}
_pending_lock = threading.Lock()


def load(cache_dir: Path | None, key: str) -> Any | None:
    if cache_dir is None:
        return None
    path = cache_dir / f"index-{key}.pkl"
    _wait_for(path)
    try:
        with path.open("rb") as handle:
            payload = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as error:  # a damaged cache is rebuilt, never fatal
        log.warning("knowledge cache %s unreadable (%s); rebuilding", path, error)
        return None
    if not isinstance(payload, dict) or payload.get("key") != key:
        return None
    return payload.get("state")


def save(cache_dir: Path | None, key: str, state: Any) -> bool:
    if cache_dir is None:
        return False
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=".index-", suffix=".tmp", dir=cache_dir)
        with os.fdopen(fd, "wb") as handle:
            pickle.dump({"key": key, "state": state}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp_name, cache_dir / f"index-{key}.pkl")
    except OSError as error:
        log.info("knowledge cache not written to %s: %s", cache_dir, error)
        return False
    _prune(cache_dir)
    return True


def save_later(cache_dir: Path | None, key: str, state: Any) -> None:
    """Save in a background thread: the index answers at once, the file follows (~0.4 s).

    The thread is not a daemon, so a short-lived process (``zhenggai ask``) still leaves the
    file behind when it exits; a load of the same key in this process waits for it.
    """
    if cache_dir is None:
        return
    path = cache_dir / f"index-{key}.pkl"

    def save_and_forget() -> None:
        try:
            save(cache_dir, key, state)
        finally:
            with _pending_lock:
                _pending.pop(path, None)

    thread = threading.Thread(target=save_and_forget, name="knowledge-cache-save")
    with _pending_lock:
        _pending[path] = thread
    thread.start()


def flush() -> None:
    """Wait until every index file being saved is written."""
    with _pending_lock:
        threads = list(_pending.values())
    for thread in threads:
        thread.join()


def _wait_for(path: Path) -> None:
    with _pending_lock:
        thread = _pending.get(path)
    if thread is not None:
        thread.join()


def _prune(cache_dir: Path) -> None:
    try:
        files = sorted(cache_dir.glob("index-*.pkl"), key=lambda p: p.stat().st_mtime,
                       reverse=True)
        for old in files[_KEEP_FILES:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
