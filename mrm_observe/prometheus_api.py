"""One client for Prometheus-compatible servers (Prometheus, VictoriaMetrics, vmalert, Mimir...).

Queries, series, labels, metadata and targets go through prometheus-api-client's PrometheusConnect, whose
requests session is given one transport adapter: every request it makes is sent by the shared `HttpClient`,
so it gets the same TLS, proxies, auth, retries, typed errors and redaction as every other client.
ready, reload, rules, build info and the configuration go straight to `HttpClient`: PrometheusConnect 0.7 has no
reload, rules, build-info or configuration call, and its connection check (`GET /` -> bool) drops the status and
the reason.
prometheus_api_client (and requests) are imported on first use of a library-backed call (about 70 ms).
"""
from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .durations import parse_duration
from .http_client import HttpClient, PermissionDenied, RequestFailed, ServerSettings

if TYPE_CHECKING:
    from prometheus_api_client import PrometheusConnect


@dataclass(frozen=True)
class Sample:
    """One series of an instant query: its labels and its value at the query time."""

    labels: dict[str, str]
    time: float
    value: float


@dataclass(frozen=True)
class RangeSeries:
    """One series of a range query: its labels and its (time, value) points."""

    labels: dict[str, str]
    points: list[tuple[float, float]]


class PrometheusClient:
    """The calls reports, tuning and `publish rules` need, with typed errors (RequestFailed subclasses)."""

    def __init__(self, settings: ServerSettings, sleep: Callable[[float], None] = time.sleep,
                 rand: Callable[[], float] = random.random) -> None:
        self._http = HttpClient(settings, sleep, rand)
        self._base = settings.url.rstrip("/")
        self._connect: PrometheusConnect | None = None
        self._connect_lock = threading.Lock()
        self.url = self._http.url

    def __repr__(self) -> str:
        return f"PrometheusClient({self.url!r})"

    def __enter__(self) -> PrometheusClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._connect is not None:
            self._connect.close()
        self._http.close()

    @property
    def requests(self) -> int:
        """HTTP requests sent so far, retries included."""
        return self._http.requests

    # straight to the HTTP layer ----------------------------------------------------------------------
    def ready(self) -> None:
        """GET /-/ready; Unreachable when there is no answer or the server is not ready yet."""
        self._http.ready()

    def reload(self) -> None:
        """POST /-/reload: re-read the configuration and the rule files."""
        try:
            self._http.send("POST", "/-/reload")
        except PermissionDenied as err:
            raise PermissionDenied(f"{self.url}/-/reload refused (403): start Prometheus with "
                                   "--web.enable-lifecycle", err.status) from None

    def rule_groups(self) -> list[dict[str, Any]]:
        """GET /api/v1/rules: every loaded rule group with its rules' health and last error.

        vmalert answers `"groups": null` while it has no groups; that reads as an empty list here.
        """
        return self._data("/api/v1/rules").get("groups") or []

    def build_info(self) -> dict[str, str]:
        """GET /api/v1/status/buildinfo: version, revision... (VictoriaMetrics answers with an empty object)."""
        return self._data("/api/v1/status/buildinfo")

    def status_config(self) -> str:
        """GET /api/v1/status/config: the loaded configuration as YAML text (VictoriaMetrics answers "")."""
        return str(self._data("/api/v1/status/config").get("yaml") or "")

    # through prometheus-api-client -------------------------------------------------------------------
    def query(self, expr: str, at: datetime) -> list[Sample]:
        """Instant query evaluated at `at` (every datetime here needs a time zone)."""
        params = {"time": f"{_aware(at).timestamp():.3f}"}
        with self._library("query") as lib:
            result = lib.custom_query(expr, params=params)
        return [Sample(r["metric"], float(r["value"][0]), float(r["value"][1])) for r in result]

    def query_range(self, expr: str, start: datetime, end: datetime, step: float) -> list[RangeSeries]:
        """Range query from start to end every `step` seconds (the library sends whole-second bounds)."""
        start, end = _aware(start), _aware(end)
        with self._library("range query") as lib:
            result = lib.custom_query_range(expr, start, end, f"{step:g}")
        return [RangeSeries(r["metric"], [(float(t), float(v)) for t, v in r["values"]]) for r in result]

    def series(self, match: Sequence[str], start: datetime, end: datetime) -> list[dict[str, str]]:
        """The label sets of every series matching any selector in `match` between start and end."""
        start, end = _aware(start), _aware(end)
        with self._library("series") as lib:
            return lib.get_series(start, end, params={"match[]": list(match)})

    def labels(self) -> list[str]:
        """Every label name."""
        with self._library("labels") as lib:
            return lib.get_label_names()

    def label_values(self, name: str) -> list[str]:
        """Every value of one label."""
        with self._library("label values") as lib:
            return lib.get_label_values(name)

    def metadata(self, metric: str | None = None) -> list[dict[str, str]]:
        """[{"metric_name", "type", "help", "unit"}] from /api/v1/metadata, for one metric or all."""
        with self._library("metadata") as lib:
            return lib.get_metric_metadata(metric)

    def targets(self) -> list[dict[str, Any]]:
        """The active scrape targets, as /api/v1/targets lists them."""
        with self._library("targets") as lib:
            return lib.get_targets(state="active")["activeTargets"]

    def scrape_intervals(self) -> dict[str, float]:
        """{scrape pool: scrape interval in seconds} of the active targets."""
        return {t["scrapePool"]: parse_duration(t["scrapeInterval"]) for t in self.targets() if "scrapeInterval" in t}

    # helpers -----------------------------------------------------------------------------------------
    def _data(self, path: str) -> Any:
        body = self._http.json("GET", path)
        if not isinstance(body, dict) or body.get("status") != "success":
            raise RequestFailed(self._http.redact(f"GET {path} at {self.url}: unexpected answer {str(body)[:200]}"))
        return body["data"]

    @contextmanager
    def _library(self, what: str) -> Iterator[PrometheusConnect]:
        """PrometheusConnect on the shared transport; its own exceptions become RequestFailed."""
        from prometheus_api_client import PrometheusApiClientException

        with self._connect_lock:  # threads of one report share the client
            if self._connect is None:
                self._connect = _connect(self._base, self._http)
        try:
            yield self._connect
        except (PrometheusApiClientException, ValueError, KeyError) as err:
            raise RequestFailed(self._http.redact(f"{what} at {self.url}: {type(err).__name__}: {err}")) from None


def _aware(at: datetime) -> datetime:
    """`at` itself; ValueError when it has no time zone (its timestamp would depend on the machine's zone)."""
    if at.tzinfo is None:
        raise ValueError(f"a query time needs a time zone (got {at.isoformat()})")
    return at


def _connect(base: str, http: HttpClient) -> PrometheusConnect:
    """PrometheusConnect whose every request goes through `http` (mounted over the library's own adapter)."""
    import requests
    from prometheus_api_client import PrometheusConnect

    class SharedTransport(requests.adapters.BaseAdapter):
        """A requests transport adapter that sends with the shared HttpClient."""

        def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
                 verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
            body = request.body.encode() if isinstance(request.body, str) else request.body
            kept = {k: v for k, v in request.headers.items() if k.lower() == "content-type"}
            answer = http.send(request.method or "GET", request.url or "", content=body, headers=kept)
            response = requests.Response()
            response.status_code, response.reason = answer.status_code, answer.reason_phrase
            response._content = answer.content
            response.headers = requests.structures.CaseInsensitiveDict(
                {k: v for k, v in answer.headers.items() if k.lower() != "content-encoding"})
            response.encoding, response.url, response.request = answer.encoding, str(answer.url), request
            return response

        def close(self) -> None:
            """The HttpClient is closed by its owner."""

    session = requests.Session()
    session.trust_env = False  # proxies, CA bundle and .netrc are the shared layer's business
    library = PrometheusConnect(url=base, session=session)
    transport = SharedTransport()
    for prefix in (base, "http://", "https://"):
        session.mount(prefix, transport)
    return library
