"""Registry of benchmarks.

A benchmark is a function ``func(ctx) -> Result`` registered with::

    @benchmark("name", baseline="other_name")
    def my_benchmark(ctx):
        ...
        return Result(rows=n, value=...)

``ctx.env`` is a superuser environment on the benchmark database, ``ctx.options`` the
runner's options (``ctx.options.sample``: sample size for slow baselines) and
``ctx.prepared`` what the benchmark's ``prepare(ctx)`` returned (run before timing, so
that choosing a sample or counting a population is not measured).

``requires`` names Odoo modules the benchmark needs; the runner skips it (and says so)
when one of them is not installed in the database.

``baseline`` names another registered benchmark (or a tuple of several), run just before in
the same run; the runner prints the ratio baseline seconds / benchmark seconds for each.
``targets`` (``{baseline name: minimum ratio}``) makes the runner say whether a ratio meets
its target (a target below 1, e.g. ``1/3``, means "at most 3 times slower"); a missed target
is reported, not failed: benchmarks measure, they do not fail on a slow machine. A baseline that is too
slow to run in full measures a sample and returns ``Result(scale=population / sample)``:
its seconds and queries are multiplied by ``scale`` and the runner says so. ``check``
(``check(value, baseline_value)``, or ``{baseline name: check}`` with several baselines)
asserts that the benchmark and its baseline agree.

Benchmarks live in ``tests/benchmarks/bench_*.py`` modules, imported by ``discover()``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_REGISTRY: dict[str, Benchmark] = {}


@dataclass
class Result:
    """What a benchmark function returns."""

    rows: int
    value: Any = None
    scale: float = 1.0
    note: str = ""


@dataclass
class Benchmark:
    name: str
    func: Callable
    baseline: str | tuple | None = None
    prepare: Callable | None = None
    check: Callable | None = None
    description: str = ""
    baseline_only: bool = False
    module: str = ""
    requires: tuple = ()
    targets: dict = field(default_factory=dict)

    @property
    def baselines(self):
        """The baseline names, as a tuple (empty without baseline)."""
        if not self.baseline:
            return ()
        return (self.baseline,) if isinstance(self.baseline, str) else tuple(self.baseline)

    def check_for(self, baseline_name):
        """The check against ``baseline_name`` (None when there is none)."""
        if isinstance(self.check, dict):
            return self.check.get(baseline_name)
        return self.check


@dataclass
class Context:
    env: Any
    options: Any
    prepared: Any = None
    shared: dict = field(default_factory=dict)


def benchmark(
    name,
    baseline=None,
    *,
    prepare=None,
    check=None,
    description=None,
    baseline_only=False,
    requires=(),
    targets=None,
):
    """Register ``func`` as the benchmark ``name`` (see the module docstring)."""

    def decorator(func):
        if name in _REGISTRY and _REGISTRY[name].func is not func:
            raise ValueError(f"benchmark {name!r} is registered twice")
        doc = (func.__doc__ or "").strip().splitlines()
        _REGISTRY[name] = Benchmark(
            name=name,
            func=func,
            baseline=baseline,
            prepare=prepare,
            check=check,
            description=description or (doc[0] if doc else ""),
            baseline_only=baseline_only,
            module=func.__module__,
            requires=tuple(requires),
            targets=dict(targets or {}),
        )
        return func

    return decorator


def discover():
    """Import every ``bench_*`` module of this package; return the registry."""
    folder = Path(__file__).resolve().parent
    for info in sorted(pkgutil.iter_modules([str(folder)]), key=lambda i: i.name):
        if info.name.startswith("bench_"):
            importlib.import_module(f"{__package__}.{info.name}")
    for bench in _REGISTRY.values():
        for name in bench.baselines:
            if name not in _REGISTRY:
                raise ValueError(f"benchmark {bench.name!r} has an unknown baseline {name!r}")
    return dict(_REGISTRY)


def get(name):
    return _REGISTRY[name]


def all_benchmarks():
    return dict(_REGISTRY)
