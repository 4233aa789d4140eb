"""A dashboard's normal form as a Python definition module: grafanalib classes with literal values.

Common panel settings become the classes' own arguments (title, gridPos, targets, unit, overrides, legend...);
the rest of a panel's field config and options goes, as a literal, into grafanalib's `extraJson`, which is
merged over what the class writes. `patch` adds to that literal what a build did not reproduce; `report` turns
what still differs into notes, written as comments at the panel they concern.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import attr
from grafanalib import core

import mrm_observe

from . import field_config
from .dashboard_migrations import copied
from .dashboard_normal_form import DEFAULTS, FIELD_DEFAULTS, MISSING, Difference, describe
from .python_source import Call, Commented, Name, assignment, imports, layout

GRAFANALIB = "grafanalib.core"
PROJECT = "mrm_observe"
PROJECT_NAMES = frozenset(mrm_observe.__all__)
"""Names `mrm_observe` exports (grafanalib's classes, its Target, which leaves unset what grafanalib's would set,
and the field config factories); other grafanalib classes come from grafanalib.core."""
MATCHERS = {"byName": "by_name", "byRegexp": "by_regex", "byFrameRefID": "by_query"}
OVERRIDE_KEYWORDS = {"unit": "unit", "decimals": "decimals", "min": "min", "max": "max", "displayName": "display_name",
                     "custom.axisPlacement": "axis_placement", "custom.fillOpacity": "fill_opacity",
                     "thresholds": "thresholds", "mappings": "mappings"}
"""Override properties the project's override factories take as keywords (field_config.by_name and its kin)."""
CLASSES = {"timeseries": "TimeSeries", "stat": "Stat", "table": "Table", "gauge": "GaugePanel",
           "bargauge": "BarGauge", "heatmap": "Heatmap", "piechart": "PieChartv2", "state-timeline": "StateTimeline",
           "histogram": "Histogram", "text": "Text", "logs": "Logs", "row": "RowPanel", "barchart": "BarChart",
           "news": "News", "dashlist": "DashboardList"}
"""Panel type -> the grafanalib class that writes it."""
DEFAULT_THRESHOLDS = "DEFAULT_THRESHOLDS"
TEMPLATE_ARGUMENTS = frozenset(("name", "query", "default", "label", "allValue", "includeAll", "multi", "regex",
                                "refresh", "type", "hide", "sort", "auto", "autoCount", "autoMin"))
"""What grafanalib's Template takes of a variable (the build reports the rest as not carried)."""
WRITTEN_EXACTLY = frozenset(("targets", "gridPos", "type", "title", "panels", "id"))
"""Panel members never patched through extraJson: they are written as arguments and built as they are."""

Path = tuple[Any, ...]
Attribute = tuple[str, Path, Callable[[Any], Any]]


def _same(value: Any) -> Any:
    return value


def _single(values: Any) -> Any:
    return values[0] if isinstance(values, list) and len(values) == 1 else MISSING


def _color_mode(color: Any) -> Any:
    return color["mode"] if isinstance(color, dict) and set(color) == {"mode"} else MISSING


UNIT, MIN, MAX, DECIMALS = ("fieldConfig", "defaults", "unit"), ("fieldConfig", "defaults", "min"), \
    ("fieldConfig", "defaults", "max"), ("fieldConfig", "defaults", "decimals")
MAPPINGS, OVERRIDES = ("fieldConfig", "defaults", "mappings"), ("fieldConfig", "overrides")
CUSTOM, LEGEND, TOOLTIP = ("fieldConfig", "defaults", "custom"), ("options", "legend"), ("options", "tooltip")
ATTRIBUTES: dict[str, tuple[Attribute, ...]] = {
    "timeseries": (
        ("unit", UNIT, _same), ("valueMin", MIN, _same), ("valueMax", MAX, _same), ("valueDecimals", DECIMALS, _same),
        ("colorMode", ("fieldConfig", "defaults", "color"), _color_mode),
        ("drawStyle", (*CUSTOM, "drawStyle"), _same), ("lineInterpolation", (*CUSTOM, "lineInterpolation"), _same),
        ("lineWidth", (*CUSTOM, "lineWidth"), _same), ("fillOpacity", (*CUSTOM, "fillOpacity"), _same),
        ("gradientMode", (*CUSTOM, "gradientMode"), _same), ("showPoints", (*CUSTOM, "showPoints"), _same),
        ("pointSize", (*CUSTOM, "pointSize"), _same), ("spanNulls", (*CUSTOM, "spanNulls"), _same),
        ("axisPlacement", (*CUSTOM, "axisPlacement"), _same), ("axisLabel", (*CUSTOM, "axisLabel"), _same),
        ("stacking", (*CUSTOM, "stacking"), _same), ("legendDisplayMode", (*LEGEND, "displayMode"), _same),
        ("legendPlacement", (*LEGEND, "placement"), _same), ("legendCalcs", (*LEGEND, "calcs"), _same),
        ("tooltipMode", (*TOOLTIP, "mode"), _same), ("tooltipSort", (*TOOLTIP, "sort"), _same),
        ("mappings", MAPPINGS, _same), ("overrides", OVERRIDES, _same)),
    "stat": (
        ("format", UNIT, _same), ("decimals", DECIMALS, _same), ("noValue", ("fieldConfig", "defaults", "noValue"),
                                                                 _same),
        ("reduceCalc", ("options", "reduceOptions", "calcs"), _single),
        ("fields", ("options", "reduceOptions", "fields"), _same), ("graphMode", ("options", "graphMode"), _same),
        ("colorMode", ("options", "colorMode"), _same), ("textMode", ("options", "textMode"), _same),
        ("orientation", ("options", "orientation"), _same), ("alignment", ("options", "justifyMode"), _same),
        ("mappings", MAPPINGS, _same), ("overrides", OVERRIDES, _same)),
    "table": (("unit", UNIT, _same), ("overrides", OVERRIDES, _same)),
    "piechart": (("unit", UNIT, _same), ("pieType", ("options", "pieType"), _same), ("overrides", OVERRIDES, _same)),
    "text": (("content", ("options", "content"), _same), ("mode", ("options", "mode"), _same)),
}
"""Per panel type: (class argument, where its value is in the panel's normal form, how to read it) for the
settings a reader expects as arguments; MISSING from the reader means "not expressible as that argument"."""
RESETS: dict[str, dict[str, Any]] = {
    "stat": {"noValue": None, "reduceCalc": "lastNotNull"},
    "gauge": {"calc": "lastNotNull"},
    "bargauge": {"calc": "lastNotNull"},
}
"""Arguments whose grafanalib default is not Grafana's, written with Grafana's when the panel does not set them
(the stat's "none" text for no value and its mean reducer, the gauges' mean)."""


def accepts(class_name: str, argument: str, value: Any) -> bool:
    """True when the class takes this value for this argument (grafanalib checks types, e.g. spanNulls is a bool
    there while Grafana also takes a number of milliseconds)."""
    cls = getattr(mrm_observe if class_name in PROJECT_NAMES else core, class_name)
    field = attr.fields_dict(cls).get(argument)
    if field is None:
        return False
    try:
        if field.validator is not None:
            field.validator(None, field, value)
    except (TypeError, ValueError):
        return False
    return True


def override_call(override: Any) -> Call | None:
    """An override as the project's factory call (`by_name("errors", colour="red", unit="percent")`), when the
    factory gives back exactly this override (properties in the same order, none repeated), else None."""
    if not isinstance(override, dict) or not isinstance(override.get("properties"), list):
        return None
    matcher = override.get("matcher")
    if not isinstance(matcher, dict) or matcher.get("id") not in MATCHERS or set(override) != {"matcher",
                                                                                              "properties"}:
        return None
    keywords: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for prop in override["properties"]:
        key, value = prop.get("id"), prop.get("value")
        if set(prop) != {"id", "value"}:
            return None
        if key == "color" and isinstance(value, dict) and set(value) == {"fixedColor", "mode"} \
                and value["mode"] == "fixed":
            keywords["colour"] = value["fixedColor"]
        elif key == "custom.transform" and value == "negative-Y":
            keywords["negative_y"] = True
        elif key in OVERRIDE_KEYWORDS:
            keywords[OVERRIDE_KEYWORDS[key]] = value
        else:
            extra[key] = value
    if extra:
        keywords["properties"] = extra
    factory = MATCHERS[matcher["id"]]
    try:
        if getattr(field_config, factory)(matcher.get("options"), **keywords) != override:
            return None
    except (TypeError, ValueError):
        return None
    return Call(factory, (matcher.get("options"),), list(keywords.items()))


def _get(data: Any, path: Path) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return MISSING
        data = data[key]
    return data


def _pop(data: dict[str, Any], path: Path) -> None:
    """Remove a member, then every object left empty on the way to it."""
    parents = [data]
    for key in path[:-1]:
        parents.append(parents[-1][key])
    del parents[-1][path[-1]]
    for parent, key in zip(reversed(parents[:-1]), reversed(path[:-1])):
        if parent[key] == {}:
            del parent[key]


def patch_value(panel: dict[str, Any], path: Path, built: Any, into: dict[str, Any]) -> None:
    """Set in `into` (an extraJson literal) the member at `path` (up to the first list) to the panel's value, or,
    where the panel has none, reset what the build wrote there (`built`) to Grafana's default, member by member
    (extraJson can only add to what a class writes; a null reads as "not set")."""
    cut = next((i for i, key in enumerate(path) if isinstance(key, int)), len(path))
    if cut < len(path):
        path, built = path[:cut], MISSING
    value = _get(panel, path)
    if value is MISSING:
        value = _reset(panel.get("type", ""), path, built)
        if value is MISSING:
            return
    target = into
    for key in path[:-1]:
        if not isinstance(target.get(key), dict):
            target[key] = {}
        target = target[key]
    target[path[-1]] = copied(value)


def _reset(kind: str, path: Path, built: Any) -> Any:
    """What to merge over the member a class wrote (`built`) so that it reads as Grafana's default there: only the
    members that differ from the default, each set to it (null where the default is not known); MISSING when
    nothing differs."""
    default = _default(kind, path)
    if isinstance(built, dict) and built and (default is None or isinstance(default, dict)):
        members = {k: _reset(kind, (*path, k), v) for k, v in built.items()}
        members = {k: v for k, v in members.items() if v is not MISSING}
        return members or MISSING
    return MISSING if built == default else copied(default)


def _default(kind: str, path: Path) -> Any:
    defaults = DEFAULTS.get(kind, {})
    if path[:1] == ("options",):
        found = _get(defaults.get("options", {}), path[1:])
    elif path[:3] == CUSTOM:
        found = _get(defaults.get("custom", {}), path[3:])
    elif path[:3] == ("fieldConfig", "defaults", "color"):
        found = _get(defaults.get("color", MISSING), path[3:])
    elif path[:2] == ("fieldConfig", "defaults") and len(path) > 2:
        found = _get(FIELD_DEFAULTS, path[2:])
    else:
        found = MISSING
    return None if found is MISSING or found == {} else found


class DashboardPython:
    """The module for one dashboard: written from its expected normal form, patched, and annotated."""

    def __init__(self, expected: dict[str, Any], annotations: list[Any], notes: dict[tuple[int, ...], list[str]],
                 origin: str, name: str, folder: str = "") -> None:
        """`expected`: the normal form the build must have; `annotations`: the annotation queries as they are (the
        normal form keeps only what tells Grafana's built-in one apart); `notes` by panel position."""
        self.expected, self.annotations, self.origin, self.name, self.folder = (expected, annotations, origin, name,
                                                                               folder)
        self._notes = {k: list(v) for k, v in notes.items()}
        self.patches: dict[tuple[int, ...], dict[str, Any]] = {}
        self._source: str | None = None
        self._names: dict[str, set[str]] = {}
        self._uses_default_thresholds = False

    # --- checking ------------------------------------------------------------------------------------------
    @staticmethod
    def panel_of(path: Path) -> tuple[tuple[int, ...], Path]:
        """(panel position, path inside the panel) of a difference; () for the dashboard itself."""
        if len(path) >= 2 and path[0] == "panels" and isinstance(path[1], int):
            if len(path) >= 4 and path[2] == "panels" and isinstance(path[3], int):
                return (path[1], path[3]), path[4:]
            return (path[1],), path[2:]
        return (), path

    def _panel(self, where: tuple[int, ...]) -> dict[str, Any]:
        panel = self.expected["panels"][where[0]]
        return panel["panels"][where[1]] if len(where) == 2 else panel

    def patch(self, found: list[Difference]) -> bool:
        """Carry what a build did not reproduce through the panels' extraJson; False when nothing more can be."""
        changed = False
        for path, _before, after in found:
            where, inner = self.panel_of(path)
            if not where or not inner or inner[0] in WRITTEN_EXACTLY:
                continue
            patch = self.patches.setdefault(where, {})
            before = copied(patch)
            patch_value(self._panel(where), inner, after, patch)
            changed = changed or patch != before
        if changed:
            self._source = None
        return changed

    def report(self, found: list[Difference]) -> None:
        """What still differs becomes a note at its panel (or the dashboard); a patch that did not help is taken
        out again (maxDataPoints 100, which every build drops, say)."""
        for difference in found:
            where, inner = self.panel_of(difference[0])
            self._notes.setdefault(where, []).append(describe((inner, *difference[1:])))
            if where in self.patches and inner and _get(self.patches[where], inner) is not MISSING:
                _pop(self.patches[where], inner)
        if found:
            self._source = None

    def notes(self) -> list[str]:
        """Every note, the dashboard's first, then by panel in order, each naming its panel."""
        out = list(self._notes.get((), []))
        for where in sorted(k for k in self._notes if k):
            title = self._panel(where).get("title", "")
            out += [f"panel {title!r} ({self._where(where)}): {n}" for n in self._notes[where]]
        return out

    @staticmethod
    def _where(where: tuple[int, ...]) -> str:
        return f"panels[{where[0]}]" + (f".panels[{where[1]}]" if len(where) == 2 else "")

    # --- writing ---------------------------------------------------------------------------------------------
    def source(self) -> str:
        if self._source is None:
            self._source = self._write()
        return self._source

    def _use(self, name: str) -> str:
        self._names.setdefault(PROJECT if name in PROJECT_NAMES else GRAFANALIB, set()).add(name)
        return name

    def _write(self) -> str:
        self._names = {}
        self._uses_default_thresholds = False
        dashboard = Commented(self._dashboard(), self._notes.get((), []))
        body = ""
        if self.folder:
            body += assignment("folder", self.folder)
        if self._uses_default_thresholds:
            self._use("Threshold")
            body += ("# Grafana's default thresholds: a panel built without thresholds would get only the green base.\n"
                     + assignment(DEFAULT_THRESHOLDS, [Call("Threshold", ("green", 0, 0.0)),
                                                       Call("Threshold", ("red", 1, 80.0))]))
        body += "\n" + "dashboards = " + layout([dashboard], 0, len("dashboards = ")) + "\n"
        title = self.expected.get("title", "")
        header = (f'"""{title}: imported from {self.origin} by `mrm-observe import`.\n\n'
                  "Migrated to the current dashboard model and checked by building it; what could not be carried is\n"
                  'noted in comments beside the panel it concerns."""\n')
        return header + imports(self._names) + "\n" + body

    def _dashboard(self) -> Call:
        d = self.expected
        kwargs: list[tuple[str, Any]] = [("title", d.get("title", ""))]
        if "uid" in d:
            kwargs.append(("uid", d["uid"]))
        for key in ("description", "tags"):
            if key in d:
                kwargs.append((key, d[key]))
        time = d.get("time", {"from": "now-6h", "to": "now"})
        kwargs += [("timezone", d.get("timezone", "")), ("refresh", d.get("refresh", "")),
                   ("time", Call(self._use("Time"), (time.get("from", "now-6h"), time.get("to", "now"))))]
        if "graphTooltip" in d:
            kwargs.append(("graphTooltip", d["graphTooltip"]))
        if "editable" in d:
            kwargs.append(("editable", d["editable"]))
        if "timepicker" in d:
            kwargs.append(("timePicker", self._timepicker(d["timepicker"])))
        if d.get("links"):
            kwargs.append(("links", [self._link(link) for link in d["links"]]))
        if self.annotations:
            kwargs.append(("annotations", Call(self._use("Annotations"), kwargs=[("list", self.annotations)])))
        variables = [self._variable(v) for v in d.get("templating", []) if v.get("type") != "datasource"
                     or v.get("name") != "datasource"]
        if variables:
            kwargs.append(("templating", Call(self._use("Templating"), kwargs=[("list", variables)])))
        kwargs = [(k, v) for k, v in kwargs if isinstance(v, (Call, list)) or accepts("Dashboard", k, v)]
        kwargs.append(("panels", [self._panel_code((i,), p) for i, p in enumerate(d.get("panels", []))]))
        return Call(self._use("Dashboard"), kwargs=kwargs)

    def _timepicker(self, picker: dict[str, Any]) -> Call:
        kwargs: list[tuple[str, Any]] = [("timeOptions", [])]
        if "refresh_intervals" in picker:
            kwargs.insert(0, ("refreshIntervals", picker["refresh_intervals"]))
        if "hidden" in picker:
            kwargs.append(("hidden", picker["hidden"]))
        return Call(self._use("TimePicker"), kwargs=kwargs)

    def _link(self, link: dict[str, Any]) -> Call:
        """grafanalib's DashboardLink defaults to keepTime=True and type 'dashboards': both are always written."""
        values = {"title": link.get("title", ""), "type": link.get("type", "link"), "uri": link.get("url"),
                  "tags": link.get("tags"), "asDropdown": link.get("asDropdown"), "icon": link.get("icon"),
                  "includeVars": link.get("includeVars"), "keepTime": link.get("keepTime", False),
                  "targetBlank": link.get("targetBlank"), "tooltip": link.get("tooltip")}
        return Call(self._use("DashboardLink"), kwargs=[(k, v) for k, v in values.items()
                                                        if v is not None and accepts("DashboardLink", k, v)])

    def _variable(self, var: dict[str, Any]) -> Call:
        """grafanalib's Template sorts alphabetically by default (Grafana: not at all), so `sort` is always written;
        a custom variable's options are given, as Grafana reads them from its query, so its value is kept."""
        names = {"auto_count": "autoCount", "auto_min": "autoMin", "current": "default"}
        kwargs = [("name", var.get("name", "")), ("query", var.get("query", "")), ("type", var.get("type", "query"))]
        kwargs += [(names.get(k, k), v) for k, v in var.items() if k not in ("name", "query", "type", "sort")
                   and names.get(k, k) in TEMPLATE_ARGUMENTS and accepts("Template", names.get(k, k), v)]
        kwargs.append(("sort", var.get("sort", 0)))
        if var.get("type") == "custom" and isinstance(var.get("query"), str):
            current = var.get("current")
            chosen = current if isinstance(current, list) else [current]
            kwargs.append(("options", [{"selected": v in chosen, "text": v, "value": v}
                                       for v in custom_values(var["query"])]))
        return Call(self._use("Template"), kwargs=kwargs)

    def _panel_code(self, where: tuple[int, ...], panel: dict[str, Any]) -> Any:
        call = self._panel_call(where, panel)
        notes = self._notes.get(where, [])
        return Commented(call, notes) if notes else call

    def _panel_call(self, where: tuple[int, ...], panel: dict[str, Any]) -> Any:
        kind = panel.get("type", "")
        rest = copied(panel)
        rest.pop("type", None)
        kwargs: list[tuple[str, Any]] = []
        for key in ("title", "description"):
            if key in rest:
                kwargs.append((key, rest.pop(key)))
        if "gridPos" in rest:
            kwargs.append(("gridPos", Call(self._use("GridPos"), kwargs=list(rest.pop("gridPos").items()))))
        if kind == "row":
            if "collapsed" in rest and accepts("RowPanel", "collapsed", rest["collapsed"]):
                kwargs.append(("collapsed", rest.pop("collapsed")))
            children = rest.pop("panels", [])
            kwargs.append(("panels", [self._panel_code((where[0], j), c) for j, c in enumerate(children)]))
        targets = rest.pop("targets", [])
        if targets:
            kwargs.append(("targets", [Call(self._use("Target"), kwargs=[(k, v) for k, v in t.items()
                                                                         if accepts("Target", k, v)])
                                       for t in targets]))
        cls = CLASSES[kind]
        for name, path, read in ATTRIBUTES.get(kind, ()):
            value = _get(rest, path)
            if value is not MISSING and read(value) is not MISSING and accepts(cls, name, read(value)):
                kwargs.append((name, self._overrides(value) if name == "overrides" else read(value)))
                _pop(rest, path)
        given = {name for name, _ in kwargs}
        kwargs += [(name, value) for name, value in RESETS.get(kind, {}).items() if name not in given]
        repeat = {"variable": "repeat", "direction": "repeatDirection", "maxPerRow": "maxPerRow"}
        if "repeat" in rest and all(accepts("Repeat", a, rest[k]) for a, k in repeat.items() if k in rest):
            kwargs.append(("repeat", Call(self._use("Repeat"), kwargs=[(a, rest.pop(k)) for a, k in repeat.items()
                                                                       if k in rest])))
        for key in ("links", "transparent", "interval", "timeFrom", "timeShift", "hideTimeOverride", "cacheTimeout",
                    "maxDataPoints", "transformations"):
            if key in rest and accepts(cls, key, rest[key]):
                kwargs.append((key, rest.pop(key)))
        if kind != "row":
            kwargs += self._thresholds(rest)
        extra = _merge(rest, self.patches.get(where, {}))
        if extra:
            kwargs.append(("extraJson", extra))
        return Call(self._use(CLASSES[kind]), kwargs=kwargs)

    def _overrides(self, overrides: list[Any]) -> list[Any]:
        """Overrides as the project's factory calls where they say the same, else as they are."""
        out = []
        for override in overrides:
            call = override_call(override)
            out.append(override if call is None else Call(self._use(call.name), call.args, call.kwargs))
        return out

    def _thresholds(self, rest: dict[str, Any]) -> list[tuple[str, Any]]:
        """Thresholds as Threshold arguments, Grafana's default ones when the panel has none (a build would give it
        only the green base step); left in extraJson when Threshold cannot write them (a step without a value)."""
        path = ("fieldConfig", "defaults", "thresholds")
        given = _get(rest, path)
        if given is not MISSING and not isinstance(given, dict):
            return []
        thresholds = {**FIELD_DEFAULTS["thresholds"], **(given if isinstance(given, dict) else {})}
        steps = thresholds["steps"]
        if (set(thresholds) - {"mode", "steps"} or not isinstance(steps, list) or not steps
                or not all(isinstance(s, dict) and set(s) <= {"color", "value"} and "color" in s for s in steps)
                or not all(_is_number(s.get("value")) for s in steps[1:])):
            return []
        if given is not MISSING:
            _pop(rest, path)
        out: list[tuple[str, Any]]
        if steps == FIELD_DEFAULTS["thresholds"]["steps"]:
            self._uses_default_thresholds = True
            out = [("thresholds", Name(DEFAULT_THRESHOLDS))]
        else:
            out = [("thresholds", [Call(self._use("Threshold"), (s["color"], i, 0.0 if i == 0 else float(s["value"])))
                                   for i, s in enumerate(steps)])]
        if thresholds.get("mode", "absolute") != "absolute":
            out.append(("thresholdType", thresholds["mode"]))
        return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def custom_values(query: str) -> list[str]:
    """A custom variable's values as Grafana reads its query: split at commas not escaped by a backslash, trimmed."""
    return [v.strip().replace("\\,", ",") for v in re.findall(r"(?:\\,|[^,])+", query)]


def _merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = copied(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copied(value)
    return out
