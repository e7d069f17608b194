"""Regulations search: the shipped texts, an organisation's own documents and the engine.

Pure Python (jieba, rapidfuzz, python-docx); knows nothing of Telegram or storage.
"""

from knowledge.engine import KnowledgeBase
from knowledge.model import (
    Document,
    Hit,
    MissingArticle,
    Passage,
    ReloadReport,
    SearchResult,
)

__all__ = [
    "Document",
    "Hit",
    "KnowledgeBase",
    "MissingArticle",
    "Passage",
    "ReloadReport",
    "SearchResult",
]
