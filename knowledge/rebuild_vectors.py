"""Rewrite the shipped unit vectors (knowledge/vectors) after editing the shipped regulations.

Run: ``.venv/bin/python -m knowledge.rebuild_vectors`` (needs the ``semantic`` extra). Vectors
already shipped or cached are reused; only changed texts are embedded.
"""

from __future__ import annotations

import logging

from knowledge.semantic import rebuild_shipped

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    print(rebuild_shipped())
