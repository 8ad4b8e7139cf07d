"""Bilge — the IT department of a Turkish public institution, as software."""

__version__ = "0.1.0"
