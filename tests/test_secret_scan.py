"""Secret shapes: what is recognised in a definition's strings, and what is not (ordinary links, templates)."""
import pytest

from mrm_observe.secret_scan import secret_kind


@pytest.mark.parametrize("text, kind", [
    ("https://hooks.slack.com/services/T0000/B0000/XXXXXXXX", "a Slack webhook URL"),
    ("post to https://hooks.slack.com/workflows/T1/A2/3/xyz please", "a Slack webhook URL"),
    ("xoxb-1234567890-abcdefghij", "a Slack token"),
    ("https://discord.com/api/webhooks/123/abc", "a Discord webhook URL"),
    ("https://contoso.webhook.office.com/webhookb2/abc", "a Microsoft Teams or Power Automate webhook URL"),
    ("https://user:hunter2@tickets.example.org/intake", "a URL with a password"),
    ("https://tickets.example.org/intake?api_key=abc123", "a URL with a credential in its query"),
    ("https://x.example.org/a?b=1&token=abc", "a URL with a credential in its query"),
    ("-----BEGIN RSA PRIVATE KEY-----", "a private key"),
    ("Authorization: Bearer abcdefghijklmnopqrstuvwxyz", "a bearer token"),
])
def test_secret_shapes_are_recognised(text, kind):
    assert secret_kind(text) == kind


@pytest.mark.parametrize("text", [
    "https://github.com/mrm-ai/mrm-observe/blob/main/docs/runbooks.md#higherrorrate",
    "https://grafana.example.org/d/abc/app?var-service=api&orgId=1&from=now-1h",
    "{{ $value | humanizePercentage }} of requests to {{ $labels.service }} failed",
    "https://{{ $labels.instance }}/metrics?token={{ .token }}",  # a template, not a value
    "https://mrm-observe.invalid/env/SLACK_URL",
    "user@example.org",
    "Bearer",
])
def test_ordinary_strings_are_not_secrets(text):
    assert secret_kind(text) is None
