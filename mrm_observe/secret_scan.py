"""Recognise secrets written into a definition: webhook URLs that carry their own credential, tokens, keys.

Only shapes that are secrets whatever field they sit in; a literal in a field Alertmanager treats as a secret is
refused by validation whatever it looks like. Messages name the kind, never the value.
"""
from __future__ import annotations

import re

SHAPES = (
    ("a Slack webhook URL", re.compile(r"hooks\.slack\.com/(?:services|workflows|triggers)/\S")),
    ("a Slack token", re.compile(r"\bxox[abeoprs]-[A-Za-z0-9-]{10,}")),
    ("a Discord webhook URL", re.compile(r"discord(?:app)?\.com/api/webhooks/\S")),
    ("a Microsoft Teams or Power Automate webhook URL",
     re.compile(r"\.(?:webhook\.office\.com|logic\.azure\.com)/\S")),
    ("a URL with a password", re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@{}]+:[^/\s@{}]+@", re.I)),
    ("a URL with a credential in its query",
     re.compile(r"[?&](?:token|access_token|api[_-]?key|apikey|key|secret|password|sig|signature)=[^&\s{]",
                re.I)),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a bearer token", re.compile(r"\bBearer\s+[A-Za-z0-9._~+/-]{16,}")),
)


def secret_kind(text: str) -> str | None:
    """What kind of secret `text` holds ("a Slack webhook URL"), or None."""
    return next((kind for kind, shape in SHAPES if shape.search(text)), None)
