"""Routing in Python agrees with Alertmanager's: the same label sets through the same trees, in Python and through
`amtool config routes test`, reach the same receivers in the same order."""
from __future__ import annotations

import os
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mrm_observe.amtool import find_amtool, routes_test
from mrm_observe.compile.alertmanager import alertmanager_config
from mrm_observe.model.routing import Alertmanager, Receiver, Route
from mrm_observe.render import to_yaml
from mrm_observe.routing_tree import tree

VALUES = {
    "severity": ["critical", "warning", "info", "page", ""],
    "team": ["db", "web", "data", "db-replica", ""],
    "service": ["api", "web", "webapp", "my-api", "api-7", ""],
    "env": ["prod", "staging", "prod-eu", "", 'with "quotes", commas'],
    "sloth_severity": ["page", "ticket", ""],
    "note": ["", "a b", "x\\y", "ünïcode", "line\nfeed", "{braces}", "a=b"],
}
"""Label values, "" standing for a missing label (Alertmanager matches a missing label as the empty string)."""
MATCHERS = [
    'severity="critical"', 'severity!="info"', 'severity=~"critical|warning"', 'severity!~"crit.*"',
    'team="db"', 'team=~"db.*"', 'team!~""', 'team=""', 'service=~"api|web"', 'service=~".*api.*"',
    'service!="api"', 'service=~"api-\\\\d+"', 'env=~"prod(-eu)?"', 'env="with \\"quotes\\", commas"',
    'sloth_severity="page"', 'sloth_severity=~".+"', 'note=~".*"', 'note=~"a b|x\\\\\\\\y"', 'note="ünïcode"',
    'note!~"line.*"', 'note=~"\\\\{.*"', 'note="a=b"',
]


def random_route(rng: random.Random, depth: int, receivers: list[str]) -> Route:
    children = tuple(random_route(rng, depth + 1, receivers) for _ in range(rng.choice([0, 0, 1, 2, 3])
                                                                             if depth < 3 else 0))
    count = rng.choice([1, 1, 2, 3] if depth == 1 else [0, 1, 1, 2])  # a catch-all at the top would hide the rest
    return Route(matchers=tuple(rng.sample(MATCHERS, count)),
                 receiver=rng.choice([None, *receivers]), continue_=rng.random() < 0.3, routes=children)


def random_tree(seed: int) -> Alertmanager:
    rng = random.Random(seed)
    names = [f"r{i}" for i in range(6)]
    root = Route(receiver="default", routes=tuple(random_route(rng, 1, names) for _ in range(rng.randint(3, 6))))
    return Alertmanager(route=root, receivers=tuple(Receiver(name=n) for n in ["default", *names]))


def random_labels(rng: random.Random) -> dict[str, str]:
    labels = {name: rng.choice(values) for name, values in VALUES.items()}
    return {"alertname": "A", **{k: v for k, v in labels.items() if v}}


@pytest.fixture(scope="module")
def amtool():
    return find_amtool(os.environ, Path.cwd())


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_python_routes_like_amtool(tmp_path, amtool, seed):
    config = random_tree(seed)
    path = tmp_path / "alertmanager.yml"
    path.write_bytes(to_yaml(alertmanager_config(config, [])))
    rng = random.Random(seed * 1000)
    label_sets = [random_labels(rng) for _ in range(150)]
    root = tree(config.route)
    with ThreadPoolExecutor(2) as pool:
        theirs = list(pool.map(lambda labels: routes_test(amtool, path, labels, tmp_path).receivers, label_sets))
    ours = [tuple(node.receiver for node in root.match(labels)) for labels in label_sets]
    disagreements = [(labels, a, b) for labels, a, b in zip(label_sets, ours, theirs) if a != b]
    assert disagreements == []
    assert len({r for r in ours}) > 5, "the label sets should reach many different receiver lists"
    assert any(len(r) > 1 for r in ours), "some label sets should reach several receivers (continue)"
