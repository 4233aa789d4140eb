"""Finding promtool and reading its results (against the real binary)."""
import os

import pytest

from conftest import write_tree
from mrm_observe.errors import ToolMissingError
from mrm_observe import promtool as promtool_mod
from mrm_observe.promtool import check_rules, expression_error_position, find_promtool, parse_test_output

RULES = """
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        labels: {severity: critical}
"""


def case(job: str, expect: str) -> str:
    return f"""
        rule_files: [rules.yaml]
        tests:
          - interval: 1m
            input_series:
              - series: 'up{{job="{job}"}}'
                values: '0x10'
            alert_rule_test:
              - eval_time: 5m
                alertname: Down
                exp_alerts:
                  - exp_labels: {{severity: critical, job: {expect}}}
    """


def test_promtool_env_variable_wins_and_a_bad_one_is_reported(tmp_path):
    real = find_promtool(os.environ, tmp_path)
    assert find_promtool({"PROMTOOL": real.command[0], "PATH": ""}, tmp_path).command == real.command
    with pytest.raises(ToolMissingError, match=r"\$PROMTOOL is '/nope/promtool'.*apt-get install -y prometheus"):
        find_promtool({"PROMTOOL": "/nope/promtool"}, tmp_path)


def test_missing_promtool_says_how_to_install_it(tmp_path):
    with pytest.raises(ToolMissingError, match="apt-get install -y prometheus") as err:
        find_promtool({"PATH": str(tmp_path)}, tmp_path)
    assert err.value.exit_code == 3


def test_each_test_file_gets_its_own_verdict_and_failure_text(tmp_path, promtool):
    write_tree(tmp_path, {"rules.yaml": RULES, "a_test.yaml": case("x", "wrong"),
                          "b_test.yaml": case("x", "x"), "c_test.yaml": case("y", "other")})
    files = [tmp_path / n for n in ("a_test.yaml", "b_test.yaml", "c_test.yaml")]
    results = promtool_mod.test_rules(promtool, files, tmp_path)
    assert [r.ok for r in results] == [False, True, False]
    assert 'job="wrong"' in results[0].output and 'job="other"' not in results[0].output
    assert 'job="other"' in results[2].output and 'got:' in results[2].output


def test_output_of_a_file_promtool_never_reached_is_a_failure():
    results = parse_test_output("", "promtool: error: path 'x.yaml' does not exist", ["x.yaml"], 1)
    assert not results[0].ok and "does not exist" in results[0].output


def test_check_rules_rejects_a_broken_file_and_accepts_a_good_one(tmp_path, promtool):
    write_tree(tmp_path, {"good.yaml": RULES, "bad.yaml": RULES.replace("up == 0", "up ==")})
    good, bad = check_rules(promtool, [tmp_path / "good.yaml", tmp_path / "bad.yaml"], tmp_path)
    assert good.ok and "SUCCESS" in good.output
    assert not bad.ok and "could not parse expression" in bad.output


def test_promtool_points_at_the_column_of_a_parse_error(tmp_path, promtool):
    assert expression_error_position(promtool, 'sum(rate(x{a="b"}[5m])', tmp_path) == "1:23: unclosed left parenthesis"
    assert expression_error_position(promtool, "up == 1", tmp_path) is None


def test_without_promtool_a_working_docker_runs_the_prom_prometheus_image(tmp_path, promtool):
    """The Docker route: the command mounts the project and runs promtool as the image's entrypoint."""
    bin_dir = tmp_path / "bin"
    calls = tmp_path / "calls.log"
    write_tree(bin_dir, {"docker": f"""
        #!/bin/sh
        # Stands in for the Docker CLI only: records the call, then runs the real promtool with the image's arguments.
        echo "$@" >> {calls}
        [ "$1" = info ] && exit 0
        while [ "$1" != "prom/prometheus" ]; do shift; done
        shift
        exec {promtool.command[0]} "$@"
    """})
    (bin_dir / "docker").chmod(0o755)
    write_tree(tmp_path, {"rules.yaml": RULES})
    tool = find_promtool({"PATH": str(bin_dir)}, tmp_path)
    where = str(tmp_path.resolve())
    assert tool.command[1:] == ("run", "--rm", "-i", "-v", f"{where}:{where}", "-w", where,
                                "--entrypoint", "promtool", "prom/prometheus")
    (result,) = check_rules(tool, [tmp_path / "rules.yaml"], tmp_path)
    assert result.ok and "SUCCESS" in result.output
    assert calls.read_text().splitlines()[0] == "info"


def test_a_docker_client_without_an_engine_does_not_count(tmp_path):
    write_tree(tmp_path / "bin", {"docker": "#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n"})
    (tmp_path / "bin" / "docker").chmod(0o755)
    with pytest.raises(ToolMissingError, match="apt-get install -y prometheus"):
        find_promtool({"PATH": str(tmp_path / "bin")}, tmp_path)
