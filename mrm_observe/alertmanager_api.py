"""The Alertmanager calls `publish alertmanager` needs: ready, reload, and the running configuration.

Everything goes through the shared `HttpClient` (TLS, auth, retries, typed errors, redaction). The running
configuration comes from `GET /api/v2/status` (`config.original`): Alertmanager marshals the loaded config
again, with defaults filled in and most secrets shown as `<secret>` (0.25 still shows webhook URLs whole), so
callers compare it by meaning (see `alertmanager_config.contains`) and never print it.
"""
from __future__ import annotations

from typing import Any

from .http_client import HttpClient, MalformedAnswer, ServerSettings


class AlertmanagerClient:
    """An Alertmanager (or anything speaking its v2 API and lifecycle endpoints), with typed errors."""

    def __init__(self, settings: ServerSettings) -> None:
        self._http = HttpClient(settings)
        self.url = self._http.url

    def __repr__(self) -> str:
        return f"AlertmanagerClient({self.url!r})"

    def __enter__(self) -> AlertmanagerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def ready(self) -> None:
        """GET /-/ready; Unreachable when there is no answer or Alertmanager is not ready yet."""
        self._http.ready()

    def reload(self) -> None:
        """POST /-/reload: re-read the configuration file; ServerError (500) when Alertmanager refuses it."""
        self._http.send("POST", "/-/reload")

    def running_config(self) -> dict[str, Any]:
        """The loaded configuration, parsed from `config.original` of GET /api/v2/status."""
        import yaml

        body = self._http.json("GET", "/api/v2/status")
        config = body.get("config") if isinstance(body, dict) else None
        original = config.get("original") if isinstance(config, dict) else None
        if not isinstance(original, str):
            raise MalformedAnswer(f"GET /api/v2/status at {self.url}: no config.original in the answer")
        try:
            loaded = yaml.safe_load(original)
        except yaml.YAMLError:
            loaded = None
        if not isinstance(loaded, dict):
            raise MalformedAnswer(f"GET /api/v2/status at {self.url}: config.original is not a YAML mapping")
        return loaded
