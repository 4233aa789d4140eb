"""How long work reports its progress: a protocol the library calls and a no-op for when nobody watches."""
from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def advance(self) -> None: ...


class NoProgress:
    def start(self, total: int) -> None:
        return None

    def advance(self) -> None:
        return None
