"""Grafana stand-in for tests and benchmarks (the only stand-in allowed: faithful to Grafana's documented API)."""
from .server import Faults, GrafanaStandin
from .store import ApiError, Store

__all__ = ["ApiError", "Faults", "GrafanaStandin", "Store"]
