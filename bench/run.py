"""`make bench`: runs every benchmark in this folder; each prints its own table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    failed = 0
    for script in sorted(here.glob("*_bench.py")):
        print(f"\n## {script.stem}\n", flush=True)
        result = subprocess.run([sys.executable, str(script)], cwd=here.parent, check=False)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
