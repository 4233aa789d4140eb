"""What a list of episodes adds up to: counts, durations, flaps, hour bands, and how it met the incidents."""
from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from .backtest import Episode, Firing, Incident, Labels

SHORT_EPISODE = 600
"""Seconds: an episode shorter than this is counted in `short_episodes`."""
FLAP_WINDOW = 1800
"""Seconds: an episode that starts within this long after the previous one of the same label set ended is a flap."""
HOUR_BANDS = (("business", 8, 18), ("evening", 18, 23), ("night", 23, 8))
"""(band, first hour, hour it ends) in the document's time zone, every day of the week; night wraps past midnight."""


def stats(found: Sequence[Episode], zone: str) -> dict:
    """Counts and durations of a list of episodes (the fields docs/tune.md lists)."""
    durations = sorted(e.duration for e in found)
    return {"episode_count": len(found), "firing_seconds": round(sum(durations), 3),
            "median_duration_seconds": quantile(durations, 0.5), "p90_duration_seconds": quantile(durations, 0.9),
            "short_episodes": sum(d < SHORT_EPISODE for d in durations), "flaps": flaps(found),
            "by_hour_band": by_hour_band(found, zone)}


def quantile(ordered: Sequence[float], q: float) -> float | None:
    """Nearest-rank quantile of sorted values (always one of them); None when there are none."""
    if not ordered:
        return None
    return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 3)


def flaps(found: Sequence[Episode]) -> int:
    """Episodes that fired again within FLAP_WINDOW of the same label set's previous episode resolving."""
    last_end: dict[Labels, float] = {}
    count = 0
    for episode in sorted(found, key=lambda e: e.start):
        previous = last_end.get(episode.labels)
        if previous is not None and episode.start - previous <= FLAP_WINDOW:
            count += 1
        last_end[episode.labels] = episode.end
    return count


def hour_band(seconds: float, zone: str) -> str:
    """The band of the local hour (in `zone`) a moment falls in."""
    hour = datetime.fromtimestamp(seconds, ZoneInfo(zone)).hour
    return next(name for name, first, stop in HOUR_BANDS
                if (first <= hour < stop if first < stop else (hour >= first or hour < stop)))


def by_hour_band(found: Sequence[Episode], zone: str) -> dict[str, int]:
    """Episodes by the band of the local hour they started in."""
    counts = {name: 0 for name, _, _ in HOUR_BANDS}
    for episode in found:
        counts[hour_band(episode.start, zone)] += 1
    return counts


def labels_match(incident: Incident, labels: Labels) -> bool:
    """Whether episodes with these labels can count for an incident: they carry each of the incident's labels with
    its value, or lack that label altogether (an alert that cannot tell them apart)."""
    carried = dict(labels)
    return all(carried.get(k, v) == v for k, v in incident.labels.items())


def incident_numbers(found: Firing, incidents: Sequence[Incident]) -> dict:
    """Precision (episodes overlapping an incident whose labels they match / all episodes) and recall; per
    incident (in the given order) the detection delay and the reset time (null when missed); the missed incidents."""
    useful, count = 0, 0
    first = [math.inf] * len(incidents)
    last = [-math.inf] * len(incidents)
    for labels, (fired, resolved) in found.items():
        count += fired.size
        hit_any = np.zeros(fired.size, dtype=bool)
        for n, incident in enumerate(incidents):
            if not labels_match(incident, labels):
                continue
            hit = (fired < incident.end) & (resolved > incident.start)
            if hit.any():
                hit_any |= hit
                first[n] = min(first[n], float(fired[hit].min()))
                last[n] = max(last[n], float(resolved[hit].max()))
        useful += int(hit_any.sum())
    caught = [f < math.inf for f in first]
    return {"precision": share(useful, count), "recall": share(sum(caught), len(incidents)),
            "detection_delay_seconds": [round(max(0.0, f - i.start), 3) if c else None
                                        for f, i, c in zip(first, incidents, caught)],
            "reset_seconds": [round(max(0.0, t - i.end), 3) if c else None for t, i, c in zip(last, incidents, caught)],
            "missed": [i.entry() for i, c in zip(incidents, caught) if not c]}


def share(part: int, whole: int) -> float | None:
    """part / whole rounded to 6 digits; None when there is no whole."""
    return None if whole == 0 else round(part / whole, 6)
