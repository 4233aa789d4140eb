"""Field config pieces as Grafana stores them: thresholds, value mappings, overrides, data links, transformations.

Plain dicts in Grafana's current JSON, so they go straight into any grafanalib panel (`mappings=`, `overrides=`,
`links=`, `transformations=`) and into the panel factories. Overrides take the common properties as keywords
(`unit`, `decimals`, `min`, `max`, `display_name`, `colour`, `negative_y`, `axis_placement`, `fill_opacity`,
`thresholds`, `mappings`) and any other by its Grafana id in `properties`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .hints import ArgumentError, describe, is_number

THRESHOLD_COLOURS = ("orange", "red")
FIELD_PROPERTIES = {"unit": "unit", "decimals": "decimals", "min": "min", "max": "max", "display_name": "displayName",
                    "axis_placement": "custom.axisPlacement", "fill_opacity": "custom.fillOpacity"}
"""Override keywords that set one field property as given, and the property's Grafana id."""


def thresholds(values: Sequence[float], colours: Sequence[str] = (), base: str = "green") -> dict[str, Any]:
    """Absolute thresholds: the base colour, then one step per value (amber then red by default, red alone for one)."""
    if not isinstance(values, (list, tuple)) or not all(is_number(v) for v in values):
        raise ArgumentError(f"thresholds: expected a list of numbers, one (red) or two (amber, red), e.g. [0.5] or "
                            f"[0.5, 0.9] (got {describe(values)})")
    if not colours:
        colours = THRESHOLD_COLOURS[-len(values):] if values else ()
    if len(colours) != len(values):
        raise ValueError(f"{len(values)} threshold value(s) need as many colours, got {len(colours)}")
    return {"mode": "absolute", "steps": [{"color": base, "value": None},
                                          *({"color": c, "value": float(v)} for c, v in zip(colours, values))]}


def value_map(texts: Mapping[Any, str | tuple[str, str]]) -> dict[str, Any]:
    """Map exact values to a text, or to (text, colour): `value_map({0: ("down", "red"), 1: ("up", "green")})`."""
    return {"type": "value", "options": {str(value): _result(shown, index) for index, (value, shown) in
                                         enumerate(texts.items())}}


def range_map(start: float | None, end: float | None, text: str, colour: str | None = None) -> dict[str, Any]:
    """Map values from start to end (None: unbounded) to a text and colour."""
    return {"type": "range", "options": {"from": start, "to": end, "result": _result((text, colour) if colour else text)}}


def _result(shown: str | tuple[str, str], index: int | None = None) -> dict[str, Any]:
    text, colour = (shown, None) if isinstance(shown, str) else shown
    result: dict[str, Any] = {"text": text}
    if colour:
        result["color"] = colour
    if index is not None:
        result["index"] = index
    return result


def by_name(name: str, **properties: Any) -> dict[str, Any]:
    """An override for the field (series, column) with this display name."""
    return _override({"id": "byName", "options": name}, **properties)


def by_regex(pattern: str, **properties: Any) -> dict[str, Any]:
    """An override for every field whose display name matches the regex (`/.*transmit.*/` or `transmit`)."""
    return _override({"id": "byRegexp", "options": pattern}, **properties)


def by_query(ref_id: str, **properties: Any) -> dict[str, Any]:
    """An override for every field the query with this refId returned (A, B, ...)."""
    return _override({"id": "byFrameRefID", "options": ref_id}, **properties)


def _override(matcher: dict[str, Any], *, colour: str | None = None, negative_y: bool = False,
              thresholds: Mapping[str, Any] | None = None, mappings: Sequence[Mapping[str, Any]] = (),
              properties: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(FIELD_PROPERTIES))
    if unknown:
        raise TypeError(f"unknown override propert{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}: use "
                        f"{', '.join(sorted(FIELD_PROPERTIES))}, colour, negative_y, thresholds, mappings, or "
                        f"properties={{'<grafana id>': value}}")
    values: dict[str, Any] = {FIELD_PROPERTIES[key]: value for key, value in fields.items() if value is not None}
    if colour:
        values["color"] = {"fixedColor": colour, "mode": "fixed"}
    if negative_y:
        values["custom.transform"] = "negative-Y"
    if thresholds:
        values["thresholds"] = dict(thresholds)
    if mappings:
        values["mappings"] = list(mappings)
    values.update(properties or {})
    if not values:
        raise TypeError("an override needs at least one property")
    return {"matcher": matcher, "properties": [{"id": key, "value": value} for key, value in values.items()]}


def data_link(title: str, url: str, new_tab: bool = False) -> dict[str, Any]:
    """A panel or field link (the url may use variables: `${__field.labels.route}`, `${__url_time_range}`)."""
    link: dict[str, Any] = {"title": title, "url": url}
    if new_tab:
        link["targetBlank"] = True
    return link


def transformation(kind: str, **options: Any) -> dict[str, Any]:
    """One of Grafana's transformations by id (merge, organize, sortBy, limit, ...) with its options."""
    return {"id": kind, "options": options}
