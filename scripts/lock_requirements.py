#!/usr/bin/env python3
"""Write requirements.lock: the exact versions of requirements.txt and of everything they pull in.

    .venv/bin/python scripts/lock_requirements.py [--check]

The versions are read from the virtualenv running this script (no package index is asked):
install requirements.txt first, then lock what is installed. ``scripts/lib.sh`` installs
requirements.txt with the lock as pip constraints, so a fresh ``make run`` / ``make test``
gets these versions and a new major release never reaches it unnoticed. Environment markers
are evaluated for this interpreter (Python 3.11 on Linux, the project's platform).

``--check`` writes nothing and exits 1 when the lock is not what this script would write.
"""

from __future__ import annotations

import argparse
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"
LOCK = ROOT / "requirements.lock"
# pinned too: scripts/lib.sh installs them first, from the lock, into a fresh virtualenv
INSTALLERS = ("pip", "setuptools", "wheel")
REFRESH = ".venv/bin/pip install -r requirements.txt && .venv/bin/python scripts/lock_requirements.py"
HEADER = f"""\
# requirements.lock — made by scripts/lock_requirements.py from the virtualenv; do not edit.
# The exact versions `make run` and `make test` install (scripts/lib.sh installs
# requirements.txt with this file as pip constraints). Refresh it after changing
# requirements.txt, and commit both:
#   {REFRESH}
"""


def requirement_lines(path):
    """The requirement specifiers of a requirements file (comments and options left out)."""
    for line in path.read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            yield line


def _applies(requirement, extras):
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in (extras or {""}))


def closure(specifiers):
    """``{canonical name: (name, version)}`` of the installed distributions the specifiers need."""
    pinned, problems, seen = {}, [], set()
    todo = [(Requirement(spec), {""}) for spec in specifiers]
    while todo:
        requirement, context_extras = todo.pop()
        if not _applies(requirement, context_extras):
            continue
        key = canonicalize_name(requirement.name)
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            problems.append(f"{requirement} is not installed (pip install -r requirements.txt first)")
            continue
        if not requirement.specifier.contains(dist.version, prereleases=True):
            problems.append(f"{requirement}: {dist.version} is installed")
        pinned[key] = (dist.metadata["Name"], dist.version)
        extras = {""} | set(requirement.extras)
        if (key, frozenset(extras)) in seen:
            continue
        seen.add((key, frozenset(extras)))
        todo.extend((Requirement(line), extras) for line in dist.requires or [])
    return pinned, problems


def render(pinned):
    lines = [HEADER]
    for key in sorted(pinned):
        name, version = pinned[key]
        lines.append(f"{name}=={version}\n")
    return "".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="compare with requirements.lock, write nothing")
    args = parser.parse_args(argv)
    pinned, problems = closure([*requirement_lines(REQUIREMENTS), *INSTALLERS])
    if problems:
        print("cannot lock:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    text = render(pinned)
    if args.check:
        same = LOCK.is_file() and LOCK.read_text() == text
        print("requirements.lock is up to date" if same else f"requirements.lock is stale: {REFRESH}")
        return 0 if same else 1
    LOCK.write_text(text)
    print(f"requirements.lock: {len(pinned)} packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
