"""What a list of episodes adds up to: counts, durations, flaps, hour bands, and how it met the incidents."""
from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from .backtest import Episode, Incident, Labels

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


def matches(incident: Incident, episode: Episode) -> bool:
    """An episode counts for an incident when they overlap and the episode carries each of the incident's labels
    with its value, or lacks that label altogether (an alert that cannot tell them apart)."""
    labels = dict(episode.labels)
    return episode.start < incident.end and episode.end > incident.start and \
        all(labels.get(k, v) == v for k, v in incident.labels.items())


def incident_numbers(found: Sequence[Episode], incidents: Sequence[Incident]) -> dict:
    """Precision and recall; per incident (in the file's order) the detection delay and the reset time (null when
    missed); the missed incidents."""
    useful = sum(any(matches(i, e) for i in incidents) for e in found)
    delays: list[float | None] = []
    resets: list[float | None] = []
    missed = []
    for incident in incidents:
        hits = [e for e in found if matches(incident, e)]
        if not hits:
            delays.append(None)
            resets.append(None)
            missed.append(incident.entry())
            continue
        delays.append(round(max(0.0, min(e.start for e in hits) - incident.start), 3))
        resets.append(round(max(0.0, max(e.end for e in hits) - incident.end), 3))
    return {"precision": share(useful, len(found)), "recall": share(len(incidents) - len(missed), len(incidents)),
            "detection_delay_seconds": delays, "reset_seconds": resets, "missed": missed}


def share(part: int, whole: int) -> float | None:
    """part / whole rounded to 6 digits; None when there is no whole."""
    return None if whole == 0 else round(part / whole, 6)
