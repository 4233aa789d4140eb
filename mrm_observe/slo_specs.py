"""SLOs from Sloth `prometheus/v1` and OpenSLO `openslo/v1` (and Sloth's `v1alpha`) YAML, checks across SLOs,
and `mrm-observe import`: the same SLOs written out as a Python definition module.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .conventions import SLO_WINDOW_PLACEHOLDER
from .definitions import Definitions, Sourced
from .errors import Problem
from .model.slo import SLO, AlertTier, Alerting, ErrorRatioSLI, RawSLI
from .slo_math import slo_window_problems

SLOTH = "prometheus/v1"
OPENSLO = ("openslo/v1", "openslo/v1alpha")
_SLOTH_WINDOW = re.compile(r"\{\{\s*\.window\s*\}\}")
_UNITS = {"Minute": "m", "Hour": "h", "Day": "d", "Week": "w"}


class SpecError(ValueError):
    """A field of a spec we cannot accept: `field` is its path in the document."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def load_spec(path: Path, name: str) -> Definitions:
    """Every SLO in a YAML file (one or more documents); problems name the document and field."""
    found = Definitions()
    try:
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except yaml.YAMLError as err:
        return Definitions(problems=[Problem(name, "", "", f"not valid YAML: {err}")])
    indicators = {d.get("metadata", {}).get("name"): d for d in docs if isinstance(d, dict) and d.get("kind") == "SLI"}
    for index, doc in enumerate(docs):
        where = f"document {index + 1}"
        try:
            slos = _document(doc, indicators)
        except SpecError as err:
            found.problems.append(Problem(name, where, err.field, str(err)))
            continue
        except ValidationError as err:
            found.problems += [Problem(name, where, ".".join(map(str, e["loc"])), e["msg"]) for e in err.errors()]
            continue
        found.slos += [Sourced(name, slo) for slo in slos]
    return found


def _document(doc: Any, indicators: dict) -> list[SLO]:
    if not isinstance(doc, dict):
        raise SpecError("", "expected a mapping (a Sloth or OpenSLO document)")
    version = doc.get("version") or doc.get("apiVersion")
    if version == SLOTH:
        return sloth_slos(doc)
    if version in OPENSLO:
        return openslo_slos(doc, indicators) if doc.get("kind") == "SLO" else []
    raise SpecError("version", f"unsupported spec version {version!r}: use {SLOTH!r} (Sloth) or "
                               f"{OPENSLO[0]!r} (OpenSLO)")


def _need(data: dict, key: str, where: str) -> Any:
    if not isinstance(data, dict) or data.get(key) in (None, ""):
        raise SpecError(f"{where}.{key}".lstrip("."), "is required")
    return data[key]


def _query(text: str) -> str:
    return _SLOTH_WINDOW.sub(SLO_WINDOW_PLACEHOLDER, text.strip())


def sloth_slos(doc: dict) -> list[SLO]:
    """A Sloth `prometheus/v1` service: its SLOs with the service labels merged in."""
    service = _need(doc, "service", "")
    out = []
    for i, spec in enumerate(_need(doc, "slos", "")):
        where = f"slos[{i}]"
        sli = _need(spec, "sli", where)
        if "events" in sli:
            events = sli["events"]
            model: Any = ErrorRatioSLI(bad=_query(_need(events, "error_query", f"{where}.sli.events")),
                                       total=_query(_need(events, "total_query", f"{where}.sli.events")))
        elif "raw" in sli:
            model = RawSLI(error_ratio=_query(_need(sli["raw"], "error_ratio_query", f"{where}.sli.raw")))
        else:
            raise SpecError(f"{where}.sli", f"unsupported SLI {sorted(sli)}: use events or raw (plugins are Sloth-only)")
        alerting = spec.get("alerting") or {}
        tiers = {key: AlertTier(enabled=not (alerting.get(f"{key}_alert") or {}).get("disable", False),
                                labels=_strings((alerting.get(f"{key}_alert") or {}).get("labels")),
                                annotations=_strings((alerting.get(f"{key}_alert") or {}).get("annotations")))
                 for key in ("page", "ticket")}
        out.append(SLO(service=service, name=_need(spec, "name", where), objective=_need(spec, "objective", where),
                       description=spec.get("description", ""), sli=model, spec=SLOTH,
                       labels={**_strings(doc.get("labels")), **_strings(spec.get("labels"))},
                       alerting=Alerting(name=alerting.get("name"), labels=_strings(alerting.get("labels")),
                                         annotations=_strings(alerting.get("annotations")), **tiers)))
    return out


def _strings(mapping: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (mapping or {}).items()}


def openslo_slos(doc: dict, indicators: dict) -> list[SLO]:
    """An OpenSLO SLO: rolling window, Occurrences budgeting, ratio SLI with Prometheus queries."""
    meta, spec = doc.get("metadata") or {}, _need(doc, "spec", "")
    method = spec.get("budgetingMethod", "Occurrences")
    if method != "Occurrences":
        raise SpecError("spec.budgetingMethod", f"{method!r} is not supported: only Occurrences (event-based) "
                                                "budgets compile to burn-rate rules")
    period = _window(spec)
    sli = _ratio(spec, indicators)
    objectives = _need(spec, "objectives", "spec")
    out = []
    for i, objective in enumerate(objectives):
        target = objective.get("target")
        percent = objective.get("targetPercent", None if target is None else float(target) * 100)
        if percent is None:
            raise SpecError(f"spec.objectives[{i}].target", "is required (e.g. 0.999)")
        name = _need(meta, "name", "metadata") + (f"-{i}" if len(objectives) > 1 or "ratioMetrics" in objective else "")
        own = _ratio(objective, indicators) if "ratioMetrics" in objective else sli
        if own is None:
            raise SpecError("spec.indicator", "is required: an inline ratioMetric SLI or an indicatorRef")
        out.append(SLO(service=_need(spec, "service", "spec"), name=name, objective=round(percent, 10),
                       period=period, description=spec.get("description", ""), sli=own, spec=doc["apiVersion"]))
    return out


def _window(spec: dict) -> str:
    if "timeWindows" in spec:  # v1alpha: [{count, unit}]
        window = spec["timeWindows"][0]
        if window.get("calendar"):
            raise SpecError("spec.timeWindows[0].calendar", "calendar windows are not supported: use a rolling window")
        return f"{window['count']}{_UNITS.get(window.get('unit'), 'd')}"
    window = (spec.get("timeWindow") or [{}])[0]
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
        isp = indicator.get("spec") or {}
        if "thresholdMetric" in isp:
            raise SpecError("spec.indicator.spec.thresholdMetric", "threshold SLIs are not supported: use ratioMetric")
        ratio, where = _need(isp, "ratioMetric", "spec.indicator.spec"), "spec.indicator.spec.ratioMetric"
    queries = {k: _metric_query(v, f"{where}.{k}") for k, v in ratio.items() if k in ("good", "bad", "total")}
    if "total" not in queries or len(queries) != 2:
        raise SpecError(where, "give total and one of good or bad")
    return ErrorRatioSLI(**queries)


def _metric_query(metric: dict, where: str) -> str:
    source = metric.get("metricSource", metric)
    body = source.get("spec", source)
    query = body.get("query") or body.get("promql")
    if not query:
        raise SpecError(f"{where}.metricSource.spec.query", "is required (a Prometheus query)")
    return _query(query)


def slo_problems(items: list[Sourced]) -> list[Problem]:
    """Each SLO's own problems plus ids used twice."""
    problems, seen = [], {}
    for item in items:
        slo: SLO = item.obj
        obj = f"slo {slo.id!r}"
        problems += [Problem(item.source, obj, field, message)
                     for field, message in slo.problems() + slo_window_problems(slo)]
        if slo.id in seen:
            problems.append(Problem(item.source, obj, "name", f"SLO id {slo.id!r} is already defined in "
                                    f"{seen[slo.id]}: service + name must be unique"))
        seen.setdefault(slo.id, item.source)
    return problems


def python_source(slos: list[SLO], origin: str) -> str:
    """A definition module declaring these SLOs (what `mrm-observe import` prints)."""
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
    pad = "    " * (depth + 1)
    args = []
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if value == field.get_default(call_default_factory=True):
            continue
        text = _call(value, depth + 1) if isinstance(value, BaseModel) else repr(value)
        args.append(f"{pad}{name}={text},")
    return f"{type(model).__name__}(\n" + "\n".join(args) + f"\n{'    ' * depth})"

