"""`mrm-observe publish alertmanager` against a real Alertmanager started by the tests (no fakes): check, fill the
secrets, install with a backup, reload, confirm through /api/v2/status, roll back on failure."""
from __future__ import annotations

import shutil
import stat
from pathlib import Path

import httpx
import pytest
import yaml
from alertmanager_server import AlertmanagerServer, WebhookReceiver
from click.testing import CliRunner, Result
from conftest import built_alertmanager, write_tree

from mrm_observe.cli import main
from mrm_observe.conventions import ALERTMANAGER_CONFIG, env_placeholder, generated_header
from prometheus_server import free_port

SECRET = "s3cr3t-T0KEN-4f9c2e"
"""A recognisable secret value: it must reach the installed config and nothing else."""
RULES = """
from mrm_observe import RecordingRule, RuleGroup

groups = [RuleGroup(name="api", rules=(RecordingRule(record="job:up:sum", expr="sum by (job) (up)"),))]
"""
TEMPLATE = '{{ define "mrm.title" }}[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}{{ end }}\n'
NO_ENV = {"ALERTMANAGER_URL": None, "ALERTMANAGER_TOKEN": None, "ALERTMANAGER_USER": None,
          "ALERTMANAGER_PASSWORD": None, "TICKETS_URL": None}


def config(hook: WebhookReceiver, tickets_url: str | None = None, wait: str = "100ms") -> dict:
    """A small routing config: critical -> page, warning -> chat, the rest -> tickets; page inhibits warning."""
    return {
        "global": {"resolve_timeout": "300s"},
        "templates": ["templates/*.tmpl"],
        "route": {"receiver": "tickets", "group_by": ["alertname", "service"], "group_wait": wait,
                  "group_interval": "200ms", "repeat_interval": "4h",
                  "routes": [{"matchers": ['severity="critical"'], "receiver": "page"},
                             {"matchers": ["severity=warning"], "receiver": "chat"}]},
        "inhibit_rules": [{"source_matchers": ['severity="critical"'], "target_matchers": ['severity="warning"'],
                           "equal": ["alertname", "service"]}],
        "receivers": [{"name": name, "webhook_configs": [{"url": hook.url(name), "send_resolved": False}]}
                      for name in ("page", "chat")]
        + [{"name": "tickets", "webhook_configs": [{"url": tickets_url or hook.url("tickets")}]}],
    }


def built(project: Path, data: dict) -> Path:
    return built_alertmanager(project, data, {"mrm.tmpl": TEMPLATE})


@pytest.fixture
def hook():
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = write_tree(tmp_path / "project", {"alerts/api.py": RULES})
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def alertmanager(tmp_path, hook):
    """A running Alertmanager whose config file is hand-written (Debian's default is too)."""
    start = yaml.safe_dump({"route": {"receiver": "default"}, "receivers": [{"name": "default"}]})
    with AlertmanagerServer.start(tmp_path / "am", "# hand-written\n" + start) as server:
        yield server


def publish(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["publish", "alertmanager", *args], env={**NO_ENV, **(env or {})})


def running_receivers(server: AlertmanagerServer) -> list[str]:
    return [r["name"] for r in yaml.safe_load(server.status()["config"]["original"])["receivers"]]


def test_publish_checks_installs_with_a_backup_reloads_and_confirms(project, hook, alertmanager):
    built(project, config(hook))
    alertmanager.config.chmod(0o640)
    before = alertmanager.config.read_bytes()
    result = publish("--config-path", str(alertmanager.config), "--alertmanager-url", alertmanager.url)
    assert result.exit_code == 0, result.output + result.stderr
    backup = alertmanager.config.with_name("alertmanager.yml.bak")
    assert f"Alertmanager config installed: {alertmanager.config} (backup: {backup})" in result.output
    assert f"reloaded {alertmanager.url}; it runs the new config" in result.output
    assert running_receivers(alertmanager) == ["page", "chat", "tickets"]
    assert alertmanager.config.read_bytes() == (project / "build" / ALERTMANAGER_CONFIG).read_bytes()
    assert (alertmanager.workdir / "templates" / "mrm.tmpl").read_text() == TEMPLATE
    assert backup.read_bytes() == before
    assert stat.S_IMODE(alertmanager.config.stat().st_mode) == stat.S_IMODE(backup.stat().st_mode) == 0o640
    assert not [p for p in alertmanager.workdir.iterdir() if p.name.startswith(".")], "no temp files or journal left"

    again = publish("--config-path", str(alertmanager.config), "--alertmanager-url", alertmanager.url)
    assert again.exit_code == 0, again.stderr
    assert f"Alertmanager config unchanged: {alertmanager.config}" in again.output
    assert f"nothing changed, no reload of {alertmanager.url}; it runs the new config" in again.output


def test_a_config_amtool_refuses_touches_nothing(project, hook, alertmanager):
    broken = config(hook)
    broken["route"]["receiver"] = "nobody"
    built(project, broken)
    before = alertmanager.config.read_bytes()
    result = publish("--config-path", str(alertmanager.config), "--alertmanager-url", alertmanager.url)
    assert result.exit_code == 1
    assert "amtool check-config refused the Alertmanager config; nothing was installed" in result.stderr
    assert 'undefined receiver "nobody"' in result.stderr
    assert alertmanager.config.read_bytes() == before
    assert sorted(p.name for p in alertmanager.workdir.iterdir()) == ["alertmanager.log", "alertmanager.yml", "data"]
    assert running_receivers(alertmanager) == ["default"]


def test_a_reload_alertmanager_refuses_is_rolled_back_and_reloaded_again(project, hook, alertmanager):
    """amtool passes on the build, but in the install folder the template glob also finds a broken template."""
    write_tree(alertmanager.workdir, {"templates/zz-theirs.tmpl": '{{ define "x" }}{{ .Broken '})
    built(project, config(hook))
    before = alertmanager.config.read_bytes()
    result = publish("--config-path", str(alertmanager.config), "--alertmanager-url", alertmanager.url,
                     "--retries", "0")
    assert result.exit_code == 4, result.output
    assert "POST /-/reload" in result.stderr and "500" in result.stderr
    assert f"the previous Alertmanager config in {alertmanager.workdir} was restored" in result.stderr
    assert alertmanager.config.read_bytes() == before
    assert not (alertmanager.workdir / "templates" / "mrm.tmpl").exists()
    assert running_receivers(alertmanager) == ["default"]
    assert alertmanager.log().count("Completed loading of configuration file") == 2, "started, then reloaded again"


def test_a_file_alertmanager_does_not_read_fails_the_confirmation_and_is_rolled_back(project, hook, alertmanager,
                                                                                      tmp_path):
    elsewhere = tmp_path / "elsewhere" / "alertmanager.yml"
    elsewhere.parent.mkdir()
    elsewhere.write_text("# hand-written, not the file Alertmanager reads\n")
    built(project, config(hook))
    result = publish("--config-path", str(elsewhere), "--alertmanager-url", alertmanager.url,
                     "--confirm-timeout", "0.3")
    assert result.exit_code == 4
    assert (f"{alertmanager.url} does not run the new config: it differs at templates (is the config path the file "
            "Alertmanager reads, its --config.file?)") in result.stderr
    assert elsewhere.read_text() == "# hand-written, not the file Alertmanager reads\n"
    assert sorted(p.name for p in elsewhere.parent.iterdir()) == ["alertmanager.yml", "alertmanager.yml.bak"]


def test_secrets_are_filled_from_the_environment_and_never_shown(project, hook, alertmanager):
    built(project, config(hook, tickets_url=env_placeholder("TICKETS_URL")))
    alertmanager.config.unlink()  # a new file holding secrets is readable by its owner only
    env = {"TICKETS_URL": hook.url(SECRET)}
    result = publish("--config-path", str(alertmanager.config), "--alertmanager-url", alertmanager.url, env=env)
    assert result.exit_code == 0, result.stderr
    assert "secrets filled from $TICKETS_URL" in result.output
    assert SECRET not in result.output + result.stderr
    installed = yaml.safe_load(alertmanager.config.read_text())
    assert installed["receivers"][2]["webhook_configs"][0]["url"] == hook.url(SECRET)
    assert stat.S_IMODE(alertmanager.config.stat().st_mode) == 0o600
    assert SECRET not in (project / "build" / ALERTMANAGER_CONFIG).read_text()

    alertmanager.post_alerts([{"labels": {"alertname": "Lost", "service": "api", "severity": "info"}}])
    assert hook.wait_for(1, SECRET)[0]["receiver"] == "tickets", "the filled URL is the one Alertmanager calls"


def test_secrets_stay_hidden_when_the_publish_fails(project, hook, alertmanager):
    """amtool's message, the reload's 500 and the confirmation all fail with the secret in play."""
    broken = config(hook, tickets_url=env_placeholder("TICKETS_URL"))
    built(project, broken)
    not_a_url = {"TICKETS_URL": f"http://{SECRET}:port/"}  # amtool quotes the URL it cannot parse
    refused = publish("--config-path", str(alertmanager.config), "--alertmanager-url", alertmanager.url,
                      env=not_a_url)
    assert refused.exit_code == 1 and "amtool check-config refused" in refused.stderr
    assert "***" in refused.stderr and SECRET not in refused.output + refused.stderr

    write_tree(alertmanager.workdir, {"templates/zz-theirs.tmpl": '{{ define "x" }}{{ .Broken '})
    env = {"TICKETS_URL": hook.url(SECRET)}
    failed = publish("--config-path", str(alertmanager.config), "--alertmanager-url", alertmanager.url,
                     "--retries", "0", env=env)
    assert failed.exit_code == 4
    assert SECRET not in failed.output + failed.stderr
    leftovers = [p for p in alertmanager.workdir.rglob("*") if p.is_file() and p.name != "alertmanager.log"
                 and "data" not in p.parts and SECRET in p.read_text(errors="replace")]
    assert leftovers == [], "no journal, temp file or backup keeps the secret after a rollback"


def test_a_missing_secret_variable_is_a_usage_error_naming_it(project, hook, alertmanager):
    built(project, config(hook, tickets_url=env_placeholder("TICKETS_URL")))
    before = alertmanager.config.read_bytes()
    result = publish("--config-path", str(alertmanager.config), "--alertmanager-url", alertmanager.url,
                     env={"TICKETS_URL": ""})
    assert result.exit_code == 2
    assert "takes $TICKETS_URL from the environment at publish time, and it is unset or empty" in result.stderr
    assert alertmanager.config.read_bytes() == before


def test_an_unreachable_alertmanager_exits_3_and_installs_nothing(project, hook, tmp_path):
    built(project, config(hook))
    target = tmp_path / "etc" / "alertmanager.yml"
    result = publish("--config-path", str(target), "--alertmanager-url", f"http://127.0.0.1:{free_port()}",
                     "--retries", "0")
    assert result.exit_code == 3
    assert "is unreachable" in result.stderr
    assert not target.exists()


def test_another_projects_config_is_never_replaced(project, hook, tmp_path):
    built(project, config(hook))
    target = tmp_path / "etc" / "alertmanager.yml"
    write_tree(target.parent, {"alertmanager.yml": generated_header("alertmanager/", "billing") + "route: {}\n"})
    result = publish("--config-path", str(target))
    assert result.exit_code == 4
    assert f"{target} (generated for billing)" in result.stderr
    assert "route: {}" in target.read_text()


def test_without_a_url_the_config_is_installed_and_not_reloaded(project, hook, tmp_path):
    built(project, config(hook))
    target = tmp_path / "etc" / "alertmanager.yml"
    result = publish("--config-path", str(target))
    assert result.exit_code == 0, result.stderr
    assert "no --alertmanager-url: Alertmanager was not reloaded" in result.output
    assert target.is_file() and (target.parent / "templates" / "mrm.tmpl").is_file()


def test_the_config_path_is_required(project, hook):
    built(project, config(hook))
    result = publish()
    assert result.exit_code == 2 and "pass either --config-path (the file Alertmanager reads) or --k8s-secret" in result.stderr


def test_alertmanager_credentials_are_sent_and_never_shown(project, hook, alertmanager, tmp_path):
    """A token file for an Alertmanager behind an auth proxy: sent as a bearer token, never printed."""
    built(project, config(hook))
    token = tmp_path / "token"
    token.write_text(SECRET + "\n")
    result = publish("--config-path", str(alertmanager.config), "--alertmanager-url", alertmanager.url,
                     "--alertmanager-token-file", str(token))
    assert result.exit_code == 0, result.stderr
    assert SECRET not in result.output + result.stderr
    assert httpx.get(f"{alertmanager.url}/-/ready").status_code == 200


FAKE_KUBECTL = """
import base64, json, os, sys, urllib.request
# Stands in for kubectl and the cluster: Secrets in a JSON file; an apply also plays prometheus-operator's part
# (the config written where Alertmanager reads it, then a reload) when FAKE_OPERATOR_CONFIG is set.
db_path, args = os.environ["FAKE_KUBE_DB"], sys.argv[1:]
db = json.load(open(db_path)) if os.path.exists(db_path) else {}
with open(db_path + ".calls", "a") as calls:
    calls.write(" ".join(args) + "\\n")
key = lambda name: args[args.index("--namespace") + 1] + "/" + name
if args[:2] == ["get", "secret"]:
    if key(args[2]) in db:
        print(json.dumps(db[key(args[2])]))
elif args[0] == "apply":
    secret = json.load(sys.stdin)
    db[secret["metadata"]["namespace"] + "/" + secret["metadata"]["name"]] = secret
    if os.environ.get("FAKE_OPERATOR_CONFIG"):
        with open(os.environ["FAKE_OPERATOR_CONFIG"], "wb") as config:
            config.write(base64.b64decode(secret["data"]["alertmanager.yaml"]))
        urllib.request.urlopen(urllib.request.Request(os.environ["FAKE_AM_URL"] + "/-/reload", method="POST"))
elif args[:2] == ["delete", "secret"]:
    db.pop(key(args[2]), None)
json.dump(db, open(db_path, "w"))
"""


@pytest.fixture
def cluster(tmp_path, alertmanager) -> dict[str, str]:
    """The environment of a fake kubectl whose cluster feeds the running Alertmanager."""
    import sys
    bin_dir = tmp_path / "bin"
    write_tree(bin_dir, {"kubectl": f"#!{sys.executable}\n{FAKE_KUBECTL}"})
    (bin_dir / "kubectl").chmod(0o755)
    return {"KUBECTL": str(bin_dir / "kubectl"), "FAKE_KUBE_DB": str(tmp_path / "cluster.json"),
            "FAKE_OPERATOR_CONFIG": str(alertmanager.config), "FAKE_AM_URL": alertmanager.url}


def secrets_in(cluster: dict[str, str]) -> dict[str, dict[str, str]]:
    """{namespace/name: {key: decoded value}} of the fake cluster's Secrets."""
    import base64
    import json
    db = json.loads(Path(cluster["FAKE_KUBE_DB"]).read_text())
    return {name: {k: base64.b64decode(v).decode() for k, v in secret["data"].items()} for name, secret in db.items()}


def test_k8s_secret_applies_the_filled_config_and_confirms_alertmanager_runs_it(project, hook, alertmanager,
                                                                                  cluster):
    built(project, config(hook, tickets_url=env_placeholder("TICKETS_URL")))
    result = publish("--k8s-secret", "--alertmanager-url", alertmanager.url,
                     env={**cluster, "TICKETS_URL": hook.url(SECRET)})
    assert result.exit_code == 0, result.output + result.stderr
    assert "Alertmanager config installed: secret monitoring/alertmanager-main; secrets filled from $TICKETS_URL" \
        in result.output
    assert f"confirmed with {alertmanager.url}; it runs the new config" in result.output
    assert SECRET not in result.output + result.stderr
    (secret,) = secrets_in(cluster).values()
    assert secret["mrm.tmpl"] == TEMPLATE
    applied = yaml.safe_load(secret["alertmanager.yaml"])
    assert applied["templates"] == ["/etc/alertmanager/config/*.tmpl"]
    assert applied["receivers"][2]["webhook_configs"][0]["url"] == hook.url(SECRET)
    assert running_receivers(alertmanager) == ["page", "chat", "tickets"]
    calls = Path(cluster["FAKE_KUBE_DB"] + ".calls").read_text()
    assert "apply --server-side --force-conflicts --field-manager=mrm-observe --filename -" in calls
    assert SECRET not in calls, "the filled Secret goes to kubectl on standard input only"


def test_k8s_secret_that_alertmanager_never_runs_is_rolled_back(project, hook, alertmanager, cluster):
    built(project, config(hook))
    previous = {"route": {"receiver": "default"}, "receivers": [{"name": "default"}]}
    first = publish("--k8s-secret", env={**cluster, "FAKE_OPERATOR_CONFIG": ""})
    assert first.exit_code == 0, first.stderr
    assert "no --alertmanager-url: not confirmed that Alertmanager runs it" in first.output
    applied = secrets_in(cluster)
    built(project, {**config(hook), "inhibit_rules": []})
    result = publish("--k8s-secret", "--alertmanager-url", alertmanager.url, "--confirm-timeout", "0.3",
                     env={**cluster, "FAKE_OPERATOR_CONFIG": ""})
    assert result.exit_code == 4
    assert f"{alertmanager.url} does not run the new config" in result.stderr
    assert "the previous Secret monitoring/alertmanager-main was restored" in result.stderr
    assert secrets_in(cluster) == applied
    assert yaml.safe_load(alertmanager.config.read_text()) == previous


def test_the_platforms_compiled_config_is_published_and_confirmed(tmp_path, monkeypatch, alertmanager):
    """The repository's own routing, built by the compile step: what Alertmanager reports running (defaults
    added, durations and matchers rewritten, secrets masked) is recognised as the new config."""
    root = tmp_path / "platform"
    shutil.copytree(Path(__file__).resolve().parents[1] / "alertmanager", root / "alertmanager")
    monkeypatch.chdir(root)
    result = publish("--config-path", str(alertmanager.config), "--alertmanager-url", alertmanager.url,
                     env={"MRM_TICKET_WEBHOOK_URL": f"https://tickets.example.org/{SECRET}"})
    assert result.exit_code == 0, result.output + result.stderr
    assert "secrets filled from $MRM_TICKET_WEBHOOK_URL" in result.output
    assert SECRET not in result.output + result.stderr
    assert running_receivers(alertmanager) == ["default", "page", "slack", "ticket"]
    assert sorted(p.name for p in alertmanager.workdir.iterdir()) == [
        "alertmanager.log", "alertmanager.yml", "alertmanager.yml.bak", "data", "templates"], "not the routes table"
    assert [p.name for p in (alertmanager.workdir / "templates").iterdir()] == ["mrm-observe.tmpl"]


def test_without_kubectl_k8s_secret_says_how_to_get_it(project, hook, tmp_path):
    built(project, config(hook))
    result = publish("--k8s-secret", env={"PATH": str(tmp_path / "empty"), "KUBECTL": None})
    assert result.exit_code == 3
    assert "kubectl not found: install it (Debian/Ubuntu: `apt-get install -y kubectl`) or point $KUBECTL at the " \
           "binary" in result.stderr


@pytest.mark.parametrize("option, value, message", [
    ("--namespace", "Monitoring", "'Monitoring' is not a Kubernetes namespace name"),
    ("--namespace", "a" * 64, "at most 63"),
    ("--secret-name", "Alertmanager_Main", "is not a Kubernetes object name"),
    ("--secret-name", "-main", "starting and ending with a letter or digit"),
    ("--secret-name", "a" * 254, "at most 253"),
])
def test_k8s_secret_refuses_a_name_kubernetes_would_refuse_before_calling_kubectl(project, hook, cluster, option,
                                                                                  value, message):
    built(project, config(hook))
    result = publish("--k8s-secret", option, value, env=cluster)
    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.stderr and message in result.stderr
    assert not Path(cluster["FAKE_KUBE_DB"] + ".calls").exists()  # kubectl was never called


def test_k8s_secret_takes_a_dotted_secret_name(project, hook, cluster):
    built(project, config(hook))
    result = publish("--k8s-secret", "--namespace", "ops-1", "--secret-name", "alertmanager.main", env=cluster)
    assert result.exit_code == 0, result.stderr
    assert list(secrets_in(cluster)) == ["ops-1/alertmanager.main"]


def test_a_dry_run_compares_with_the_installed_and_the_running_config_and_writes_nothing(project, hook, alertmanager):
    built(project, config(hook, tickets_url=env_placeholder("TICKETS_URL")))
    env = {"TICKETS_URL": hook.url(SECRET)}
    target = ("--config-path", str(alertmanager.config), "--alertmanager-url", alertmanager.url)
    before = alertmanager.config.read_bytes()
    first = publish(*target, "--dry-run", env=env)
    assert first.exit_code == 0, first.stderr
    lines = first.output.splitlines()
    assert lines[0] == f"dry run: Alertmanager config would change: alertmanager.yml, templates/mrm.tmpl " \
                       f"({alertmanager.config})"
    everything = ("templates, route.receiver, route.group_by, route.group_wait, route.group_interval, "
                  "route.repeat_interval, route.routes, inhibit_rules, receivers")
    assert lines[1:] == [f"  installed: differs from the built config at global, {everything}",
                         f"  {alertmanager.url}: differs from the built config at {everything}"]
    assert alertmanager.config.read_bytes() == before and not (alertmanager.workdir / "templates").exists()
    assert running_receivers(alertmanager) == ["default"]

    assert publish(*target, env=env).exit_code == 0
    same = publish(*target, "--dry-run", env=env)
    assert same.output.splitlines() == [f"dry run: Alertmanager config unchanged ({alertmanager.config})",
                                        "  installed: holds the built config",
                                        f"  {alertmanager.url}: holds the built config"]

    changed = config(hook, tickets_url=env_placeholder("TICKETS_URL"))
    changed["route"]["routes"][1]["group_wait"] = "45s"
    built(project, changed)
    installed = alertmanager.config.read_bytes()
    result = publish(*target, "--dry-run", env={"TICKETS_URL": hook.url("another-" + SECRET)})
    assert result.output.splitlines() == [
        f"dry run: Alertmanager config would change: alertmanager.yml ({alertmanager.config})",
        "  installed: differs from the built config at route.routes[1].group_wait",
        f"  {alertmanager.url}: differs from the built config at route.routes[1].group_wait"]
    assert SECRET not in first.output + same.output + result.output + result.stderr
    assert alertmanager.config.read_bytes() == installed


def test_a_k8s_secret_dry_run_reads_the_secret_and_applies_nothing(project, hook, alertmanager, cluster):
    built(project, config(hook))
    result = publish("--k8s-secret", "--dry-run", env=cluster)
    assert result.exit_code == 0, result.stderr
    assert result.output.splitlines() == [
        "dry run: Alertmanager config would change: alertmanager.yaml, mrm.tmpl (secret monitoring/alertmanager-main)",
        "  installed: none yet"]
    assert Path(cluster["FAKE_KUBE_DB"] + ".calls").read_text().split()[:2] == ["get", "secret"]
    assert "apply" not in Path(cluster["FAKE_KUBE_DB"] + ".calls").read_text()
    assert publish("--k8s-secret", "--alertmanager-url", alertmanager.url, env=cluster).exit_code == 0
    again = publish("--k8s-secret", "--dry-run", "--alertmanager-url", alertmanager.url, env=cluster)
    assert again.output.splitlines() == [
        "dry run: Alertmanager config unchanged (secret monitoring/alertmanager-main)",
        "  installed: holds the built config", f"  {alertmanager.url}: holds the built config"]
