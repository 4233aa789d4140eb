"""SLOs from Sloth `prometheus/v1` and OpenSLO `openslo/v1` (and Sloth's `v1alpha`) YAML, and for
`mrm-observe import` the same SLOs written out as a Python definition module.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from . import yaml_input
from .conventions import SLO_WINDOW_PLACEHOLDER
from .definitions import Definitions, Sourced
from .errors import Problem
from .hints import did_you_mean
from .input_kinds import KINDS, OPENSLO, SLO_KINDS, SLOTH, kind_of
from .model.slo import SLO, AlertTier, Alerting, ErrorRatioSLI, RawSLI
from .python_source import Source, call
from .yaml_input import YAMLInputError

_SLOTH_WINDOW = re.compile(r"\{\{\s*\.window\s*\}\}")
_UNITS = {"Minute": "m", "Hour": "h", "Day": "d", "Week": "w"}
OPENSLO_KINDS = ("SLO", "SLI", "Service", "AlertPolicy", "AlertCondition", "AlertNotificationTarget", "DataSource")


OPEN = None
"""A mapping whose keys are the author's (labels, annotations, a data source's own query spec)."""
_TIER = {"disable": OPEN, "labels": OPEN, "annotations": OPEN}
SLOTH_KEYS: dict[str, Any] = {
    "version": OPEN, "service": OPEN, "labels": OPEN,
    "slos": [{"name": OPEN, "objective": OPEN, "description": OPEN, "labels": OPEN,
              "sli": {"events": {"error_query": OPEN, "total_query": OPEN}, "raw": {"error_ratio_query": OPEN},
                      "plugin": OPEN},
              "alerting": {"name": OPEN, "labels": OPEN, "annotations": OPEN, "page_alert": _TIER,
                           "ticket_alert": _TIER}}],
}
"""Every key a Sloth prometheus/v1 document may hold (Sloth's spec), so a misspelt one is reported, not ignored."""
_RATIO = {"counter": OPEN, "good": OPEN, "bad": OPEN, "total": OPEN, "rawType": OPEN, "raw": OPEN,
          "incremental": OPEN}
_INDICATOR = {"metadata": OPEN, "spec": {"description": OPEN, "ratioMetric": _RATIO, "thresholdMetric": OPEN}}
OPENSLO_SLO_KEYS: dict[str, Any] = {
    "apiVersion": OPEN, "kind": OPEN,
    "metadata": {"name": OPEN, "displayName": OPEN, "namespace": OPEN, "labels": OPEN, "annotations": OPEN},
    "spec": {"description": OPEN, "service": OPEN, "indicator": _INDICATOR, "indicatorRef": OPEN,
             "timeWindow": [{"duration": OPEN, "isRolling": OPEN, "calendar": OPEN}],
             "timeWindows": [{"count": OPEN, "unit": OPEN, "isRolling": OPEN, "calendar": OPEN}],
             "budgetingMethod": OPEN, "alertPolicies": OPEN,
             "objectives": [{"displayName": OPEN, "op": OPEN, "value": OPEN, "target": OPEN, "targetPercent": OPEN,
                             "timeSliceTarget": OPEN, "timeSliceWindow": OPEN, "indicator": _INDICATOR,
                             "indicatorRef": OPEN, "compositeWeight": OPEN, "ratioMetrics": _RATIO}]},
}
"""Every key of an OpenSLO SLO document (v1, and v1alpha's timeWindows and ratioMetrics)."""
OPENSLO_SLI_KEYS: dict[str, Any] = {"apiVersion": OPEN, "kind": OPEN, **_INDICATOR}


def unknown_keys(data: Any, keys: Any, where: str = "") -> list[tuple[str, str]]:
    """(field, message) for every key of `data` that `keys` does not know, with the closest known one."""
    if keys is OPEN:
        return []
    if isinstance(keys, list):
        return [found for i, item in enumerate(data if isinstance(data, list) else [])
                for found in unknown_keys(item, keys[0], f"{where}[{i}]")]
    if not isinstance(data, dict):
        return []
    found = []
    for key, value in data.items():
        path = _path(where, str(key))
        if key in keys:
            found += unknown_keys(value, keys[key], path)
        else:
            found.append((path, f"unknown key{did_you_mean(str(key), keys)} (valid here: {', '.join(keys)})"))
    return found


class SpecError(ValueError):
    """A field of a spec we cannot accept: `field` is its path in the document."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def load_spec(path: Path, name: str) -> Definitions:
    """Every SLO in a YAML file (one or more documents); problems name the document and field."""
    found = Definitions()
    try:
        docs = yaml_input.load_all(path)
    except YAMLInputError as err:
        return Definitions(problems=[Problem(name, "", "", str(err))])
    indicators = {d.get("metadata", {}).get("name"): d for d in docs if isinstance(d, dict) and d.get("kind") == "SLI"}
    for index, doc in enumerate(docs):
        where = f"document {index + 1}"
        found.problems += [Problem(name, where, field, message) for field, message in unknown_keys(doc, _keys_of(doc))]
        try:
            slos = _document(doc, indicators)
        except SpecError as err:
            found.problems.append(Problem(name, where, err.field, str(err)))
            continue
        except ValidationError as err:
            found.problems += [Problem(name, where, ".".join(map(str, e["loc"])), e["msg"]) for e in err.errors()]
            continue
        except (TypeError, AttributeError, KeyError, IndexError, ValueError) as err:  # a shape no check foresaw
            found.problems.append(Problem(name, where, "", f"cannot be read as a Sloth or OpenSLO document "
                                                           f"({type(err).__name__}: {err})"))
            continue
        found.slos += [Sourced(name, slo) for slo in slos]
    return found


def _keys_of(doc: Any) -> Any:
    """The keys a document of its version and kind may hold (OPEN for kinds that are not read)."""
    if not isinstance(doc, dict):
        return OPEN
    if doc.get("version") == SLOTH:
        return SLOTH_KEYS
    if doc.get("apiVersion") in OPENSLO:
        return {"SLO": OPENSLO_SLO_KEYS, "SLI": OPENSLO_SLI_KEYS}.get(doc.get("kind"), OPEN)
    return OPEN


def _document(doc: Any, indicators: dict) -> list[SLO]:
    if not isinstance(doc, dict):
        raise SpecError("", "expected a mapping (a Sloth or OpenSLO document)")
    version = doc.get("version") or doc.get("apiVersion")
    if version == SLOTH:
        return sloth_slos(doc)
    if version in OPENSLO:
        kind = doc.get("kind")
        if kind not in OPENSLO_KINDS:
            raise SpecError("kind", f"unknown OpenSLO kind {kind!r}: expected one of {', '.join(OPENSLO_KINDS)}")
        return openslo_slos(doc, indicators) if kind == "SLO" else []
    kind = kind_of(doc)
    if kind is not None and kind not in SLO_KINDS:
        raise SpecError("", f"is {KINDS[kind]}, not an SLO spec: turn it into a Python module with "
                            "`mrm-observe import FILE --into .` and remove the file from here")
    raise SpecError("version", f"unsupported spec version {version!r}: use {SLOTH!r} (Sloth) or "
                               f"{OPENSLO[0]!r} (OpenSLO)")


def _path(where: str, key: str) -> str:
    return f"{where}.{key}".lstrip(".")


def _need(data: dict, key: str, where: str) -> Any:
    if not isinstance(data, dict):
        raise SpecError(where, f"must be a mapping (got {_kind(data)})")
    if data.get(key) in (None, ""):
        raise SpecError(_path(where, key), "is required")
    return data[key]


def _mapping(value: Any, where: str) -> dict:
    """A mapping field (absent means empty)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SpecError(where, f"must be a mapping (got {_kind(value)})")
    return value


def _sequence(value: Any, where: str) -> list:
    """A list field."""
    if not isinstance(value, list):
        raise SpecError(where, f"must be a list (got {_kind(value)})")
    return value


def _text(value: Any, where: str) -> str:
    """A string field (YAML numbers and booleans are taken as the text Prometheus would read)."""
    if isinstance(value, (dict, list)):
        raise SpecError(where, f"must be a string (got {_kind(value)})")
    return str(value).strip()


def _kind(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "nothing"}
    return f"{names.get(type(value), type(value).__name__)} {value!r}"[:80]


def _query(value: Any, where: str) -> str:
    """A query with Sloth's `{{.window}}` written as ours."""
    return _SLOTH_WINDOW.sub(SLO_WINDOW_PLACEHOLDER, _text(value, where))


def sloth_slos(doc: dict) -> list[SLO]:
    """A Sloth `prometheus/v1` service: its SLOs with the service labels merged in."""
    service = _need(doc, "service", "")
    out = []
    for i, spec in enumerate(_sequence(_need(doc, "slos", ""), "slos")):
        where = f"slos[{i}]"
        sli = _mapping(_need(spec, "sli", where), f"{where}.sli")
        if "events" in sli:
            events = sli["events"]
            model: Any = ErrorRatioSLI(bad=_query(_need(events, "error_query", f"{where}.sli.events"),
                                                  f"{where}.sli.events.error_query"),
                                       total=_query(_need(events, "total_query", f"{where}.sli.events"),
                                                    f"{where}.sli.events.total_query"))
        elif "raw" in sli:
            model = RawSLI(error_ratio=_query(_need(sli["raw"], "error_ratio_query", f"{where}.sli.raw"),
                                           f"{where}.sli.raw.error_ratio_query"))
        else:
            raise SpecError(f"{where}.sli", f"unsupported SLI {sorted(sli)}: use events or raw (plugins are Sloth-only)")
        alerting = _mapping(spec.get("alerting"), f"{where}.alerting")
        tiers = {}
        for key in ("page", "ticket"):
            tier_where = f"{where}.alerting.{key}_alert"
            tier = _mapping(alerting.get(f"{key}_alert"), tier_where)
            tiers[key] = AlertTier(enabled=not tier.get("disable", False),
                                   labels=_strings(tier.get("labels"), f"{tier_where}.labels"),
                                   annotations=_strings(tier.get("annotations"), f"{tier_where}.annotations"))
        out.append(SLO(service=service, name=_need(spec, "name", where), objective=_need(spec, "objective", where),
                       description=spec.get("description", ""), sli=model, spec=SLOTH,
                       labels={**_strings(doc.get("labels"), "labels"),
                               **_strings(spec.get("labels"), f"{where}.labels")},
                       alerting=Alerting(name=alerting.get("name"),
                                         labels=_strings(alerting.get("labels"), f"{where}.alerting.labels"),
                                         annotations=_strings(alerting.get("annotations"),
                                                              f"{where}.alerting.annotations"), **tiers)))
    return out


def _strings(mapping: Any, where: str) -> dict[str, str]:
    """A mapping of label or annotation names to text."""
    return {_text(k, where): _text(v, f"{where}.{k}") for k, v in _mapping(mapping, where).items()}


def openslo_slos(doc: dict, indicators: dict) -> list[SLO]:
    """An OpenSLO SLO: rolling window, Occurrences budgeting, ratio SLI with Prometheus queries; the alerts' runbook
    from `metadata.annotations.runbook_url`."""
    meta, spec = _mapping(doc.get("metadata"), "metadata"), _mapping(_need(doc, "spec", ""), "spec")
    method = spec.get("budgetingMethod", "Occurrences")
    if method != "Occurrences":
        raise SpecError("spec.budgetingMethod", f"{method!r} is not supported: only Occurrences (event-based) "
                                                "budgets compile to burn-rate rules")
    period = _window(spec)
    sli = _ratio(spec, indicators)
    runbook = _strings(meta.get("annotations"), "metadata.annotations").get("runbook_url")
    objectives = _sequence(_need(spec, "objectives", "spec"), "spec.objectives")
    service = _need(spec, "service", "spec")
    out = []
    for i, objective in enumerate(objectives):
        objective = _mapping(objective, f"spec.objectives[{i}]")
        target = objective.get("target")
        percent = objective.get("targetPercent", None if target is None else float(target) * 100)
        if percent is None:
            raise SpecError(f"spec.objectives[{i}].target", "is required (e.g. 0.999)")
        name = _own_name(_need(meta, "name", "metadata"), service) + (
            f"-{i}" if len(objectives) > 1 or "ratioMetrics" in objective else "")
        own = _ratio(objective, indicators) if "ratioMetrics" in objective else sli
        if own is None:
            raise SpecError("spec.indicator", "is required: an inline ratioMetric SLI or an indicatorRef")
        out.append(SLO(service=service, name=name, objective=round(percent, 10),
                       period=period, description=spec.get("description", ""), sli=own, spec=doc["apiVersion"],
                       alerting=Alerting(runbook_url=runbook)))
    return out


def _own_name(name: str, service: str) -> str:
    """An OpenSLO name without its service prefix (`search-availability` of service `search` is
    `availability`), so the SLO id `<service>-<name>` does not say the service twice."""
    prefix = f"{service}-"
    return name[len(prefix):] if name.startswith(prefix) and len(name) > len(prefix) else name


def _window(spec: dict) -> str:
    if "timeWindows" in spec:  # v1alpha: [{count, unit}]
        window = _mapping((_sequence(spec["timeWindows"], "spec.timeWindows") or [None])[0], "spec.timeWindows[0]")
        if window.get("calendar"):
            raise SpecError("spec.timeWindows[0].calendar", "calendar windows are not supported: use a rolling window")
        return f"{_need(window, 'count', 'spec.timeWindows[0]')}{_UNITS.get(window.get('unit'), 'd')}"
    window = _mapping((_sequence(spec.get("timeWindow") or [{}], "spec.timeWindow") or [{}])[0], "spec.timeWindow[0]")
    if window.get("calendar") or window.get("isRolling") is False:
        raise SpecError("spec.timeWindow[0]", "calendar windows are not supported in rules: use isRolling: true")
    return str(window.get("duration") or "30d")


def _ratio(spec: dict, indicators: dict) -> ErrorRatioSLI | None:
    """The ratio SLI of an SLO, an objective (v1alpha ratioMetrics) or a referenced SLI document."""
    if "ratioMetrics" in spec:  # v1alpha
        ratio, where = spec["ratioMetrics"], "spec.objectives[].ratioMetrics"
    else:
        indicator = spec.get("indicator")
        if indicator is None and spec.get("indicatorRef"):
            if spec["indicatorRef"] not in indicators:
                raise SpecError("spec.indicatorRef", f"no SLI named {spec['indicatorRef']!r} in this file")
            indicator = indicators[spec["indicatorRef"]]
        if indicator is None:
            return None
        isp = _mapping(_mapping(indicator, "spec.indicator").get("spec"), "spec.indicator.spec")
        if "thresholdMetric" in isp:
            raise SpecError("spec.indicator.spec.thresholdMetric", "threshold SLIs are not supported: use ratioMetric")
        ratio, where = _need(isp, "ratioMetric", "spec.indicator.spec"), "spec.indicator.spec.ratioMetric"
    queries = {k: _metric_query(v, f"{where}.{k}") for k, v in _mapping(ratio, where).items()
               if k in ("good", "bad", "total")}
    if "total" not in queries or len(queries) != 2:
        raise SpecError(where, "give total and one of good or bad")
    return ErrorRatioSLI(**queries)


def _metric_query(metric: dict, where: str) -> str:
    source = _mapping(_mapping(metric, where).get("metricSource", metric), f"{where}.metricSource")
    body = _mapping(source.get("spec", source), f"{where}.metricSource.spec")
    query = body.get("query") or body.get("promql")
    if not query:
        raise SpecError(f"{where}.metricSource.spec.query", "is required (a Prometheus query)")
    return _query(query, f"{where}.metricSource.spec.query")


def python_source(slos: list[SLO], origin: str) -> str:
    """A definition module declaring these SLOs (what `mrm-observe import` writes)."""
    used = sorted({type(s).__name__ for s in slos} | {c.__name__ for s in slos for c in _classes(s)})
    body = "".join(f"    {_call(s, 1)},\n" for s in slos)
    return (f'"""SLOs imported from {origin} by `mrm-observe import`."""\n'
            f"from mrm_observe import {', '.join(used)}\n\nslos = [\n{body}]\n")


def _classes(model: BaseModel) -> set[type]:
    found = set()
    for name in model.model_fields_set:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            found |= {type(value)} | _classes(value)
    return found


def _call(model: BaseModel, depth: int) -> str:
    """The model as a call with the fields that differ from their defaults, nested models as calls."""
    arguments = [(name, Source(_call(value, depth + 1)) if isinstance(value, BaseModel) else value)
                 for name, field in type(model).model_fields.items()
                 if (value := getattr(model, name)) != field.get_default(call_default_factory=True)]
    return call(type(model).__name__, arguments, depth)
