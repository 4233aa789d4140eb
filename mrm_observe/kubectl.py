"""kubectl ($KUBECTL or PATH), for the few calls `publish alertmanager --k8s-secret` makes: read a Secret, apply
one (server-side, from standard input, so its values are never written to a file), delete one."""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ExitCode, ObserveError
from .external_tool import Tool, ToolSpec, find_tool

KUBECTL = ToolSpec("kubectl", "KUBECTL", "kubectl")
"""Run as found, with the current kubeconfig context."""
FIELD_MANAGER = "mrm-observe"


class KubectlFailed(ObserveError):
    """kubectl could not read or change the cluster (its message is on the error, redacted by the caller)."""

    exit_code = ExitCode.PUBLISH_FAILED


class ClusterUnavailable(KubectlFailed):
    """Reading the cluster failed before anything was changed (no connection, no permission)."""

    exit_code = ExitCode.UNAVAILABLE


def find_kubectl(env: Mapping[str, str]) -> Tool:
    return find_tool(KUBECTL, env, Path.cwd())


def get_secret(tool: Tool, namespace: str, name: str) -> dict[str, Any] | None:
    """The Secret as the cluster holds it, or None when there is none."""
    done = tool.run(["get", "secret", name, "--namespace", namespace, "--output", "json",
                     "--ignore-not-found"], Path.cwd())
    if done.returncode != 0:
        raise ClusterUnavailable(f"kubectl get secret {namespace}/{name} failed: {done.stderr.strip()}")
    return json.loads(done.stdout) if done.stdout.strip() else None


def apply(tool: Tool, manifest: dict[str, Any]) -> None:
    """`kubectl apply --server-side` of one object given on standard input."""
    done = tool.run(["apply", "--server-side", "--force-conflicts", f"--field-manager={FIELD_MANAGER}",
                     "--filename", "-"], Path.cwd(), stdin=json.dumps(manifest))
    if done.returncode != 0:
        meta = manifest.get("metadata", {})
        raise KubectlFailed(f"kubectl apply of {manifest.get('kind')} {meta.get('namespace')}/{meta.get('name')} "
                            f"failed: {done.stderr.strip()}")


def delete_secret(tool: Tool, namespace: str, name: str) -> None:
    done = tool.run(["delete", "secret", name, "--namespace", namespace, "--ignore-not-found"], Path.cwd())
    if done.returncode != 0:
        raise KubectlFailed(f"kubectl delete secret {namespace}/{name} failed: {done.stderr.strip()}")
