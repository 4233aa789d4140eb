"""Kubernetes alerts for the platform's workloads (kube-state-metrics v2)."""
from mrm_observe import RuleGroup

from ._runbooks import alert

HPA = "namespace, horizontalpodautoscaler"

groups = [
    RuleGroup(name="mrm-kubernetes", rules=(
        # kube-state-metrics exposes the waiting reason only while the container waits; a crash-looping
        # container flips between Running and CrashLoopBackOff, so look at the last 5 minutes.
        alert(
            "PodCrashLooping",
            "max by (namespace, pod, container) (\n"
            '  max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m])\n'
            ") >= 1",
            for_="15m", severity="warning",
            summary="A container is crash looping.",
            description="Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} "
                        "has been in CrashLoopBackOff for 15 minutes.",
        ),
        # At max for 15 minutes: the autoscaler cannot add capacity. Skip autoscalers pinned with min == max.
        alert(
            "HpaAtMaxReplicas",
            f"max by ({HPA}) (kube_horizontalpodautoscaler_status_current_replicas)\n"
            f"  >= on ({HPA})\n"
            f"max by ({HPA}) (kube_horizontalpodautoscaler_spec_max_replicas)\n"
            f"and on ({HPA})\n"
            f"(max by ({HPA}) (kube_horizontalpodautoscaler_spec_max_replicas)\n"
            f"  > on ({HPA})\n"
            f" max by ({HPA}) (kube_horizontalpodautoscaler_spec_min_replicas))",
            for_="15m", severity="warning",
            summary="An autoscaler has been at its maximum replicas for 15 minutes.",
            description="HPA {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has run "
                        "{{ $value }} replicas, its maximum, for 15 minutes: it cannot scale out further.",
        ),
    )),
]
