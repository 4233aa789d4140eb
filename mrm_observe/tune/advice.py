"""The recommendation: plain words from the back-test's numbers, never a guess beyond them.

Only variants whose threshold (or burn factor) is no more sensitive than the rule's count as quieter. With incidents:
the variant with the fewest episodes that catches every incident the rule catches (the quickest to detect them,
then the fewest changed settings, then the grid's order break ties), and, when the rule misses incidents, the
variant that catches the most. Without incidents: the first variant (fewest changed settings first) that at least
halves the episodes, with a reminder that only incidents can show it would miss none.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..durations import duration_text, format_duration
from .backtest import Variant
from .numbers import FLAP_WINDOW, SHORT_EPISODE

Row = tuple[Variant, dict]
"""A variant and its what-if row."""


def recommend(own: Variant, entry: dict, rows: Sequence[Row], op: str | None) -> str:
    """The recommendation for an alert entry (its numbers as written) and its what-if rows; `op` is the comparison
    the threshold is for (None: no threshold)."""
    if entry["problems"]:
        return ("No data: the expression returned nothing over the range; check its selectors (and any recording "
                "rule it reads) on this server.")
    others = [row for row in rows if row[0] != own]
    ranked = [others[i] for i in sorted(range(len(others)), key=lambda i: (_changed(own, others[i][0]), i))]
    strict = [row for row in ranked if _no_more_sensitive(own, row[0], op)]
    if entry["incidents"] is not None:
        return _with_incidents(own, entry, ranked, strict)
    return _without_incidents(own, entry, strict)


def _no_more_sensitive(own: Variant, other: Variant, op: str | None) -> bool:
    """Whether a variant's threshold (or burn factor) lets through no more than the rule's: fewer episodes from a
    more sensitive threshold only means episodes running into each other, never a quieter alert."""
    if own.factor is not None:
        return other.factor >= own.factor
    if own.threshold is None or op not in (">", ">=", "<", "<="):
        return True
    return other.threshold >= own.threshold if op.startswith(">") else other.threshold <= own.threshold


def _with_incidents(own: Variant, entry: dict, ranked: list[Row], strict: list[Row]) -> str:
    count, numbers = entry["episode_count"], entry["incidents"]
    total = len(numbers["detection_delay_seconds"])
    if total == 0:
        return f"No incidents concern it; {_episodes(count)} over the range."
    caught = total - len(numbers["missed"])
    quieter = [r for r in strict if _caught(r[1], total) >= caught and r[1]["episode_count"] < count]
    words = []
    if quieter:
        variant, row = min(quieter, key=lambda r: (r[1]["episode_count"], _worst_delay(r[1])))
        kept = "misses no incident" if _caught(row, total) == total else \
            f"still catches {_caught(row, total)} of {total} incidents"
        words.append(f"{_change(own, variant)} removes {count - row['episode_count']} of {count} episodes and "
                     f"{kept}{_delay(numbers, row)}{_detection(row)}.")
    elif caught == total:
        every = {1: "the one incident", 2: "both incidents"}.get(total, f"all {total} incidents")
        words.append(f"Keep it: it catches {every}, and no variant tried has fewer than {_episodes(count)} without "
                     f"missing one.")
    else:
        words.append(f"It catches {caught} of {total} incidents with {_episodes(count)}.")
    if caught < total:
        better = [r for r in ranked if _caught(r[1], total) > caught]
        if better:
            variant, row = max(better, key=lambda r: (_caught(r[1], total), -r[1]["episode_count"]))
            words.append(f"{_change(own, variant)} would catch {_caught(row, total)} of {total} with "
                         f"{_episodes(row['episode_count'])}{_detection(row)}.")
        else:
            words.append("No variant tried catches more: look at what the missed incidents looked like in the data.")
    return " ".join(_sentence(w) for w in words)


def _without_incidents(own: Variant, entry: dict, strict: list[Row]) -> str:
    count = entry["episode_count"]
    if count == 0:
        return "Quiet: it never fired over the range."
    summary = (f"{_episodes(count)}, {entry['short_episodes']} shorter than {format_duration(SHORT_EPISODE)}, "
               f"{entry['flaps']} re-fired within {format_duration(FLAP_WINDOW)} of resolving.")
    halving = [r for r in strict if r[1]["episode_count"] <= count / 2]
    if not halving:
        return f"{summary} No variant tried removes half of them."
    variant, row = halving[0]
    return (f"{summary} {_sentence(_change(own, variant))} would leave {_episodes(row['episode_count'])}"
            f"{_detection(row)}; pass --incidents to check it would miss no incident.")


def _worst_delay(row: dict) -> float:
    """The longest detection delay of the incidents a row catches (infinite when it catches none)."""
    return max((d for d in row["detection_delay_seconds"] or [] if d is not None), default=float("inf"))


def _delay(numbers: dict, row: dict) -> str:
    """How the latest detection of the incidents both catch moves: ", detecting them within 9m (now 5m)"."""
    both = [(a, b) for a, b in zip(numbers["detection_delay_seconds"], row["detection_delay_seconds"])
            if a is not None and b is not None]
    if not both:
        return ""
    now, then = max(a for a, _ in both), max(b for _, b in both)
    return "" if now == then else f", detecting them within {duration_text(then)} of their start (now {duration_text(now)})"


def _caught(row: dict, total: int) -> int:
    return round((row["recall"] or 0) * total)


def _episodes(count: int) -> str:
    return f"{count} episode{'' if count == 1 else 's'}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _changed(own: Variant, other: Variant) -> int:
    """How many settings differ from the rule's."""
    return sum(a != b for a, b in zip(own.settings(), other.settings()))


def _change(own: Variant, other: Variant) -> str:
    """What differs from the rule, e.g. "raising `for` to 10m and lowering the threshold to 0.03"."""
    parts = []
    for name, a, b, text in (
            ("the threshold", own.threshold, other.threshold, f"{other.threshold:g}" if other.threshold is not None
             else ""),
            ("the burn factor", own.factor, other.factor, f"{other.factor:g}" if other.factor is not None else ""),
            ("`for`", own.for_seconds, other.for_seconds, duration_text(other.for_seconds)),
            ("`keep_firing_for`", own.keep_firing_for_seconds, other.keep_firing_for_seconds,
             duration_text(other.keep_firing_for_seconds))):
        if a != b:
            parts.append(f"{'raising' if b > a else 'lowering'} {name} to {text}")
    if (own.short, own.long) != (other.short, other.long):
        parts.append(f"the windows {other.short}/{other.long}")
    return " and ".join(parts)


def _detection(row: dict) -> str:
    """For an SLO alert: after how long a full outage pages with these settings, and the budget spent by then."""
    if row.get("detection_seconds") is None:
        return ""
    return (f" (a full outage pages after {duration_text(row['detection_seconds'])}, with "
            f"{row['budget_spent_at_detection'] * 100:.3g}% of the budget spent)")
