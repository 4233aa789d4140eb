"""Synthetic history for `tune`, whose true alert episodes follow from its construction.

Gauges `tune_value{case=...}` are scraped every 15 s, 7 s after each quarter minute, so no sample ever sits on an
evaluation time (whole minutes): a value that holds over minutes [s, e) is seen by the evaluations at minutes
s+1 .. e (the sample at e-1:52 is still the latest at e). Where the series then stops (a scrape gap), the last
sample stays visible for the 5 minute lookback: evaluations s+1 .. e+4. The cases, in minutes from START
(`ABOVE` is above the rules' threshold of 10, `BELOW` under it):

* step:   BELOW until 60, ABOVE from then on;
* spikes: ABOVE during [60, 63), [120, 132), [200, 201) and [300, 306) -- shorter and longer than `for: 5m`;
* flap:   ABOVE for 2 minutes, BELOW for 2, fifteen times from 400;
* gap:    ABOVE during [500, 530), no samples during [530, 550), ABOVE during [550, 580), then BELOW;
* pair:   two label sets, instance a ABOVE during [100, 140), instance b during [120, 200) and [205, 215).

Counters `tune_requests_total{status}` are scraped every 60 s on whole minutes (rate() over them is exact): 10
requests a second, 0.1 % failing, 50 % during [200, 210) and 5 % during [400, 460). `bad_events(t)` gives the
failures up to t, so every error ratio, and so the SLO alerts, can be computed by hand.

`checkout_requests_total{status}` (same scrapes) is the worked session of docs/tune.md: 20 requests a second, 1 %
failing, with nine 3-minute blips of 12 % (noise an alert with `for: 1m` pages on) and two incidents, 25 % during
[200, 230) and 10 % during [480, 505).
"""
from __future__ import annotations

from functools import lru_cache

START = 1_793_491_200
"""2026-11-01T00:00:00Z (Unix seconds), a whole minute."""
MINUTES = 720
"""Twelve hours of history: [START, START + 12 h)."""
END = START + MINUTES * 60
ABOVE, BELOW = 20.0, 0.0
THRESHOLD = 10
SCRAPE, OFFSET = 15, 7
RATE, BASE_ERRORS = 10.0, 0.001
BURSTS = ((200, 210, 0.5), (400, 460, 0.05))
"""(first minute, minute it ends, share of failing requests)."""
CHECKOUT_RATE, CHECKOUT_ERRORS = 20.0, 0.01
CHECKOUT_BLIPS = tuple((m, m + 3, 0.12) for m in (30, 95, 170, 250, 330, 430, 540, 610, 690))
CHECKOUT_INCIDENTS = ((200, 230, 0.25), (480, 505, 0.10))


def _spans(*spans: tuple[int, int]):
    return lambda minute: ABOVE if any(a <= minute < b for a, b in spans) else BELOW


CASES = {
    ("step", ""): lambda m: ABOVE if m >= 60 else BELOW,
    ("spikes", ""): _spans((60, 63), (120, 132), (200, 201), (300, 306)),
    ("flap", ""): _spans(*((400 + 4 * i, 402 + 4 * i) for i in range(15))),
    ("gap", ""): lambda m: None if 530 <= m < 550 else ABOVE if 500 <= m < 580 else BELOW,
    ("pair", "a"): _spans((100, 140)),
    ("pair", "b"): _spans((120, 200), (205, 215)),
}
"""(case, instance) -> value at a minute from START (None: not scraped)."""


def labels(case: str, instance: str) -> str:
    return f'case="{case}"' + (f',instance="{instance}"' if instance else "")


def gauge_samples(case: str, instance: str) -> list[tuple[float, float]]:
    """(Unix seconds, value) of one gauge."""
    value = CASES[(case, instance)]
    found = []
    for t in range(START + OFFSET, END, SCRAPE):
        v = value((t - START) // 60)
        if v is not None:
            found.append((t, v))
    return found


def bad_events(t: float, rate: float = RATE, base: float = BASE_ERRORS,
               bursts: tuple[tuple[int, int, float], ...] = BURSTS) -> float:
    """Failed requests from START up to t (Unix seconds), `rate` requests a second, `base` of them failing except
    during the bursts."""
    whole, part = divmod(max(0.0, t - START), 60)
    done = _per_minute(rate, base, bursts)
    whole = int(whole)
    return done[min(whole, MINUTES + 1)] + (part * rate * _share(whole, base, bursts) if part else 0.0)


def _share(minute: int, base: float, bursts: tuple[tuple[int, int, float], ...]) -> float:
    return next((s for a, b, s in bursts if a <= minute < b), base)


@lru_cache(maxsize=8)
def _per_minute(rate: float, base: float, bursts: tuple[tuple[int, int, float], ...]) -> list[float]:
    """Failures before each whole minute from START."""
    done = [0.0]
    for minute in range(MINUTES + 1):
        done.append(done[-1] + 60 * rate * _share(minute, base, bursts))
    return done


def checkout_bad_events(t: float) -> float:
    return bad_events(t, CHECKOUT_RATE, CHECKOUT_ERRORS, CHECKOUT_BLIPS + CHECKOUT_INCIDENTS)


def error_ratio(t: float, window: float) -> float:
    """The error ratio over (t - window, t], which rate() over minute samples returns exactly."""
    return (bad_events(t) - bad_events(t - window)) / (RATE * window)


def openmetrics() -> str:
    lines = ["# TYPE tune_value gauge"]
    for case, instance in CASES:
        head = f"tune_value{{{labels(case, instance)}}}"
        lines += [f"{head} {v:g} {t}" for t, v in gauge_samples(case, instance)]
    for name, rate, bad_at in (("tune_requests", RATE, bad_events), ("checkout_requests", CHECKOUT_RATE,
                                                                     checkout_bad_events)):
        lines.append(f"# TYPE {name} counter")
        for t in range(START, END + 1, 60):
            bad = bad_at(t)
            lines.append(f'{name}_total{{status="500"}} {bad!r} {t}')
            lines.append(f'{name}_total{{status="200"}} {rate * (t - START) - bad!r} {t}')
    return "\n".join(lines) + "\n# EOF\n"


RULES = f"""
groups:
  - name: tune-cases
    interval: 1m
    rules:
      - alert: StepAbove
        expr: tune_value{{case="step"}} > {THRESHOLD}
        for: 5m
        labels: {{severity: warning}}
      - alert: SpikesFor5m
        expr: tune_value{{case="spikes"}} > {THRESHOLD}
        for: 5m
      - alert: SpikesNoFor
        expr: tune_value{{case="spikes"}} > {THRESHOLD}
      - alert: FlapFor5m
        expr: tune_value{{case="flap"}} > {THRESHOLD}
        for: 5m
      - alert: FlapNoFor
        expr: tune_value{{case="flap"}} > {THRESHOLD}
      - alert: GapNoFor
        expr: tune_value{{case="gap"}} > {THRESHOLD}
      - alert: PairFor5m
        expr: tune_value{{case="pair"}} > {THRESHOLD}
        for: 5m
      - alert: BothAbove
        expr: count(tune_value{{case="pair"}} > {THRESHOLD}) == 2 and on() max(tune_value{{case="pair"}}) > 1
      - alert: Missing
        expr: tune_value{{case="missing"}} > {THRESHOLD}
"""
"""Rules whose episodes `TRUTH` lists; vmalert 1.79 reads them too."""
KEEP_RULES = f"""
groups:
  - name: tune-keep
    interval: 1m
    rules:
      - alert: FlapKeep
        expr: tune_value{{case="flap"}} > {THRESHOLD}
        keep_firing_for: 5m
      - alert: SpikesKeep
        expr: tune_value{{case="spikes"}} > {THRESHOLD}
        for: 5m
        keep_firing_for: 90s
"""
"""Rules with keep_firing_for, which vmalert 1.79 refuses ("unknown fields in rule: keep_firing_for")."""

TRUTH: dict[str, list[tuple[dict[str, str], int, int]]] = {
    # seen at minutes 61..: pending from 61, firing from 66, still firing at the end of the range
    "StepAbove": [({"case": "step", "severity": "warning"}, 66, MINUTES)],
    # seen at 61-63 (3 evaluations: never 5m pending), 121-132, 201, 301-306 (fires at 306 for one evaluation)
    "SpikesFor5m": [({"case": "spikes"}, 126, 133), ({"case": "spikes"}, 306, 307)],
    "SpikesNoFor": [({"case": "spikes"}, a, b) for a, b in ((61, 64), (121, 133), (201, 202), (301, 307))],
    "FlapFor5m": [],
    "FlapNoFor": [({"case": "flap"}, 401 + 4 * i, 403 + 4 * i) for i in range(15)],
    # the last sample before the gap (529:52) stays visible until 534:52
    "GapNoFor": [({"case": "gap"}, 501, 535), ({"case": "gap"}, 551, 581)],
    "PairFor5m": [({"case": "pair", "instance": "a"}, 106, 141), ({"case": "pair", "instance": "b"}, 126, 201),
                  ({"case": "pair", "instance": "b"}, 211, 216)],
    "BothAbove": [({}, 121, 141)],
    "Missing": [],
    # each return within 5 minutes of vanishing keeps it firing: 401 until 5 minutes after the last run (459)
    "FlapKeep": [({"case": "flap"}, 401, 464)],
    # held 90s = 2 evaluations after the series vanishes
    "SpikesKeep": [({"case": "spikes"}, 126, 135), ({"case": "spikes"}, 306, 309)],
}
"""Alert -> (labels, first firing minute, minute it resolved) from START, by construction."""
