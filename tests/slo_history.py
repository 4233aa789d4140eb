"""Synthetic SLO history: exact samples in Python, OpenMetrics text for promtool, import text for VictoriaMetrics.

`generate()` returns a deterministic `History` of 4 days ending at `END` (2026-11-01T00:00:00Z), scraped every 30 s:

* `http_requests_total{service,status}` counters for two services and
  `http_request_duration_seconds_bucket{service,le}` / `_count` / `_sum` histograms (the counts equal the request counts);
* service `api` is scraped exactly on the 30 s grid (`START + k*30 s`, k = 0..11520); service `checkout` 13 s later with a
  deterministic jitter of up to ±400 ms per scrape (last one before END), so window edges never coincide with its samples;
* day/night traffic (api 20..100 req/s, checkout 2..10 req/s), error bursts (incidents), an api restart (every api
  counter resets to 0 right after a scrape), a 20 minute scrape gap for api, checkout series that appear
  mid-history (`status="502"` at the burst, `status="500"` when 503 vanishes), one that vanishes (`status="503"`),
  and 3 hours of zero checkout traffic (samples
  still scraped, counters flat).

The exact moments are in `History.moments` (Unix milliseconds); `History.truth` holds the true number of events per
series and scrape slot (also during the gap, when no sample is written), so tests can compare `increase()` with it.
"""
from __future__ import annotations

import bisect
import math
import random
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from prometheus_server import PrometheusServer, binary
from victoria_server import VictoriaMetricsServer

Labels = tuple[tuple[str, str], ...]
"""A series' labels, sorted by name, `__name__` included."""
Samples = list[tuple[int, float]]
"""(Unix milliseconds, value), ascending in time."""

STEP_S = 30
DAY_MS = 86_400_000
MIN_MS = 60_000
END = 1_793_491_200_000
"""2026-11-01T00:00:00Z in Unix milliseconds, a multiple of the 30 s scrape step (and of a day)."""
DAYS = 4
START = END - DAYS * DAY_MS
"""2026-10-28T00:00:00Z: the first api scrape; the last api scrape is at END."""
CHECKOUT_OFFSET_MS = 13_000
BUCKETS = ("0.1", "0.25", "0.5", "1", "+Inf")

MOMENTS: dict[str, int] = {
    "api_reset": START + DAY_MS + 10 * 60 * MIN_MS + 15 * MIN_MS,       # day 1 10:15: counters restart after this scrape
    "api_burst_start": START + DAY_MS + 14 * 60 * MIN_MS,               # day 1 14:00-14:45: 20 % of api requests fail
    "api_burst_end": START + DAY_MS + 14 * 60 * MIN_MS + 45 * MIN_MS,
    "checkout_idle_start": START + DAY_MS + 1 * 60 * MIN_MS,            # day 1 01:00-04:00: no checkout traffic
    "checkout_idle_end": START + DAY_MS + 4 * 60 * MIN_MS,
    "api_gap_start": START + 2 * DAY_MS + 6 * 60 * MIN_MS,              # day 2 06:00-06:20: no api samples
    "api_gap_end": START + 2 * DAY_MS + 6 * 60 * MIN_MS + 20 * MIN_MS,  # (first api sample after the gap)
    "checkout_502_appears": START + 2 * DAY_MS + 20 * 60 * MIN_MS,      # day 2 20:00-20:30: 10 % 502, a new series
    "checkout_burst_end": START + 2 * DAY_MS + 20 * 60 * MIN_MS + 30 * MIN_MS,
    "api_outage_start": START + 3 * DAY_MS + 3 * 60 * MIN_MS + 10 * MIN_MS,  # day 3 03:10-03:25: 90 % 503, slow
    "api_outage_end": START + 3 * DAY_MS + 3 * 60 * MIN_MS + 25 * MIN_MS,
    "checkout_503_vanishes": START + 3 * DAY_MS + 12 * 60 * MIN_MS,     # day 3 12:00: no 503 series from here on
    "checkout_tail_start": END - 40 * MIN_MS,                           # last 40 minutes: 5 % checkout errors
}
"""Named moments of the history (Unix ms). Bursts are [start, end) in scrape slots of the service."""


@dataclass
class History:
    """Samples per series, true events per series and slot, and the named moments."""

    series: dict[Labels, Samples] = field(default_factory=dict)
    truth: dict[Labels, Samples] = field(default_factory=dict)
    """Per counter series: (slot time ms, events counted in the slot ending then), including unscraped slots."""
    start: int = START
    end: int = END
    step_s: int = STEP_S
    moments: dict[str, int] = field(default_factory=lambda: dict(MOMENTS))

    def get(self, name: str, **labels: str) -> Samples:
        """The samples of the one series with exactly these labels."""
        return self.series[labels_of(name, labels)]

    def sample_count(self) -> int:
        return sum(len(samples) for samples in self.series.values())


def true_events(history: History, labels: Labels, start_ms: int, end_ms: int) -> float:
    """The true number of events of a counter series in the scrape slots whose time lies in (start, end] (also
    during the scrape gap, where the counters cannot tell when the events happened)."""
    slots = history.truth.get(labels, [])
    times = _slot_times(history, labels)
    lo, hi = bisect.bisect_right(times, start_ms), bisect.bisect_right(times, end_ms)
    return math.fsum(n for _, n in slots[lo:hi])


def _slot_times(history: History, labels: Labels) -> list[int]:
    cache = history.__dict__.setdefault("_slot_times", {})
    if labels not in cache:
        cache[labels] = [t for t, _ in history.truth.get(labels, [])]
    return cache[labels]


def labels_of(name: str, labels: Mapping[str, str]) -> Labels:
    """The sorted label tuple of a series (the same tuple object for the same labels)."""
    return _labels(name, tuple(labels.items()))


@lru_cache(maxsize=1024)
def _labels(name: str, items: tuple[tuple[str, str], ...]) -> Labels:
    return tuple(sorted({"__name__": name, **dict(items)}.items()))


def _traffic(t_ms: int, low: float, high: float) -> float:
    """Requests per second: a day/night wave, lowest at 03:00 UTC, highest at 15:00 UTC."""
    phase = ((t_ms % DAY_MS) / DAY_MS - 0.125) * 2 * math.pi
    return low + (high - low) * (1 - math.cos(phase)) / 2


def _split(rng: random.Random, n: int, fraction: float) -> int:
    """A deterministic, noisy share of n (binomial-like, without numpy)."""
    if n == 0 or fraction <= 0:
        return 0
    mean = n * fraction
    return max(0, min(n, round(mean + rng.gauss(0, math.sqrt(mean * (1 - fraction)) if fraction < 1 else 0))))


def _latency_cdf(slow: bool) -> tuple[float, ...]:
    return (0.2, 0.45, 0.7, 0.9, 1.0) if slow else (0.62, 0.88, 0.97, 0.995, 1.0)


class _KeyMap(dict[str, Labels]):
    """Label tuples of one metric and service by the value of one more label, built on first use."""

    def __init__(self, name: str, service: str, label: str) -> None:
        super().__init__()
        self.name, self.service, self.label = name, service, label

    def __missing__(self, value: str) -> Labels:
        self[value] = labels_of(self.name, {"service": self.service, self.label: value})
        return self[value]


@lru_cache(maxsize=2)
def generate(seed: int = 9) -> History:
    """The deterministic history (cached; treat it as read-only)."""
    rng = random.Random(seed)
    history = History()
    m = MOMENTS
    slots = DAYS * DAY_MS // (STEP_S * 1000) + 1
    for service in ("api", "checkout"):
        offsets = [0] * slots if service == "api" else [
            CHECKOUT_OFFSET_MS + rng.randint(-400, 400) for _ in range(slots)]
        counters: dict[Labels, float] = {}
        request_key = _KeyMap("http_requests_total", service, "status")
        bucket_keys = [labels_of("http_request_duration_seconds_bucket", {"service": service, "le": le})
                       for le in BUCKETS]
        count_key = labels_of("http_request_duration_seconds_count", {"service": service})
        sum_key = labels_of("http_request_duration_seconds_sum", {"service": service})
        written: dict[Labels, Samples] = {}
        truth: dict[Labels, Samples] = {}
        for k in range(slots):
            t = START + k * STEP_S * 1000 + offsets[k]
            if t > END:
                break
            if service == "api":
                n = 0 if k == 0 else round(_traffic(t, 20, 100) * STEP_S * rng.uniform(0.9, 1.1))
                outage = m["api_outage_start"] <= t < m["api_outage_end"]
                error_fraction = 0.9 if outage else 0.2 if m["api_burst_start"] <= t < m["api_burst_end"] else 0.001
                bad = _split(rng, n, error_fraction)
                b503 = bad if outage else _split(rng, bad, 0.3)
                statuses = {"200": n - bad, "500": bad - b503, "503": b503}
                slow = outage
            else:
                idle = m["checkout_idle_start"] <= t < m["checkout_idle_end"]
                n = 0 if k == 0 or idle else round(_traffic(t, 2, 10) * STEP_S * rng.uniform(0.8, 1.2))
                burst = m["checkout_502_appears"] <= t < m["checkout_burst_end"]
                error_fraction = 0.1 if burst else 0.05 if t >= m["checkout_tail_start"] else 0.002
                bad = _split(rng, n, error_fraction)
                statuses = {"200": n - bad}
                if t >= m["checkout_502_appears"]:
                    statuses["502"] = bad if burst else 0
                if t < m["checkout_503_vanishes"]:
                    statuses["503"] = 0 if burst else bad
                else:
                    statuses["500"] = bad
                slow = False
            noisy = [min(1.0, max(0.0, c + rng.uniform(-0.01, 0.01))) for c in _latency_cdf(slow)[:-1]]
            values: list[tuple[Labels, float]] = [(request_key[status], float(count))
                                                  for status, count in statuses.items()]
            previous = 0
            for key, c in zip(bucket_keys, noisy, strict=False):
                previous = max(previous, round(n * c))
                values.append((key, float(previous)))
            values += [(bucket_keys[-1], float(n)), (count_key, float(n)),
                       (sum_key, round(n * (0.9 if slow else 0.11) * rng.uniform(0.9, 1.1), 3))]
            if service == "api" and t == m["api_reset"] + STEP_S * 1000:
                counters = {key: 0.0 for key in counters}   # the process restarted right after the previous scrape
            in_gap = service == "api" and m["api_gap_start"] <= t < m["api_gap_end"]
            for key, increment in values:
                value = counters.get(key, 0.0) + increment
                if key is sum_key:
                    value = round(value, 3)
                counters[key] = value
                if key not in truth:
                    truth[key], written[key] = [], []
                truth[key].append((t, increment))
                if not in_gap:
                    written[key].append((t, value))
        history.series.update(written)
        history.truth.update(truth)
    return history


def _format_labels(labels: Labels) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in labels if k != "__name__")
    return f"{{{inner}}}" if inner else ""


def _format_value(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


FAMILIES = (("http_requests", "counter"), ("http_request_duration_seconds", "histogram"))


def openmetrics(history: History) -> str:
    """The whole history as OpenMetrics text (timestamps in seconds with millisecond decimals), ending in `# EOF`."""
    lines: list[str] = []
    for family, kind in FAMILIES:
        lines.append(f"# TYPE {family} {kind}")
        for labels in sorted(history.series):
            name = labels[0][1] if labels[0][0] == "__name__" else dict(labels)["__name__"]
            if not name.startswith(family + "_"):
                continue
            head = name + _format_labels(labels)
            lines.extend(f"{head} {_format_value(v)} {t // 1000}.{t % 1000:03d}" for t, v in history.series[labels])
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def import_text(history: History) -> Iterable[str]:
    """The history as Prometheus text lines with millisecond timestamps (VictoriaMetrics' /api/v1/import/prometheus),
    in chunks of about 50,000 lines."""
    chunk: list[str] = []
    for labels, samples in history.series.items():
        head = dict(labels)["__name__"] + _format_labels(labels)
        chunk.extend(f"{head} {_format_value(v)} {t}" for t, v in samples)
        if len(chunk) >= 50_000:
            yield "\n".join(chunk) + "\n"
            chunk = []
    if chunk:
        yield "\n".join(chunk) + "\n"


def backfill(history: History, data_dir: Path) -> None:
    """Write the history as TSDB blocks with `promtool tsdb create-blocks-from openmetrics`.

    Blocks may span 96 h: promtool re-reads its input once per block, so 2 h blocks would take 10x longer.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    source = data_dir.parent / "history.om"
    source.write_text(openmetrics(history))
    subprocess.run([binary("promtool"), "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=96h",
                    str(source), str(data_dir)], check=True, capture_output=True, text=True)


def start_prometheus(history: History, workdir: Path) -> PrometheusServer:
    """A real Prometheus on 127.0.0.1 with the history backfilled by promtool (keeps data for 100 years)."""
    backfill(history, workdir / "data")
    return PrometheusServer.start(workdir, rule_files=(), extra_args=["--storage.tsdb.retention.time=100y"])


def start_victoria(history: History, workdir: Path) -> VictoriaMetricsServer:
    """A real VictoriaMetrics on 127.0.0.1 with the history imported and flushed (searchable on return)."""
    server = VictoriaMetricsServer.start(workdir)
    try:
        for chunk in import_text(history):
            server.import_prometheus(chunk)
    except BaseException:
        server.stop()
        raise
    return server


def moments_rfc3339(history: History) -> dict[str, str]:
    """The named moments as RFC 3339 strings (for docs and messages)."""
    import datetime as dt
    return {name: dt.datetime.fromtimestamp(t / 1000, dt.UTC).isoformat().replace("+00:00", "Z")
            for name, t in history.moments.items()}

