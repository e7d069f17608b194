"""Use cases: plain Python over storage; no Telegram types here."""
