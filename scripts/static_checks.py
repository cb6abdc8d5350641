#!/usr/bin/env python3
"""Static checks of the add-ons: manifests, XML, CSV, pylint-odoo (OCA rules), ruff.

Run alone (``python scripts/static_checks.py``) or from ``run_tests.py``; each check
prints its problems and counts as one passed or failed item.
"""

import ast
import csv
import re
import subprocess
import sys
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
ADDONS = sorted(p.parent for p in (ROOT / "addons").glob("*/__manifest__.py"))
REQUIRED_KEYS = {
    "name",
    "version",
    "license",
    "author",
    "website",
    "category",
    "summary",
    "depends",
    "data",
    "demo",
}
VERSION = re.compile(r"^18\.0\.\d+\.\d+\.\d+$")
ACCESS_HEADER = [
    "id",
    "name",
    "model_id:id",
    "group_id:id",
    "perm_read",
    "perm_write",
    "perm_create",
    "perm_unlink",
]


def check_manifests():
    problems = []
    if len(ADDONS) != 4:
        problems.append(f"expected the four crm_ext add-ons, found {[a.name for a in ADDONS]}")
    for addon in ADDONS:
        where = addon.relative_to(ROOT) / "__manifest__.py"
        try:
            manifest = ast.literal_eval((addon / "__manifest__.py").read_text())
        except (SyntaxError, ValueError) as error:
            problems.append(f"{where}: does not parse: {error}")
            continue
        missing = REQUIRED_KEYS - manifest.keys()
        if missing:
            problems.append(f"{where}: missing keys {sorted(missing)}")
        if not VERSION.match(str(manifest.get("version", ""))):
            problems.append(f"{where}: version {manifest.get('version')!r} is not 18.0.x.y.z")
        if manifest.get("license") != "LGPL-3":
            problems.append(f"{where}: license must be LGPL-3")
        for key in ("data", "demo"):
            for name in manifest.get(key, []):
                if not (addon / name).is_file():
                    problems.append(f"{where}: {key} file {name} does not exist")
        for name in ("readme/DESCRIPTION.md", "readme/USAGE.md", "static/description/icon.png"):
            if not (addon / name).is_file():
                problems.append(f"{where}: {name} is missing")
    return problems


def check_xml():
    problems = []
    for path in sorted((ROOT / "addons").rglob("*.xml")):
        try:
            etree.parse(str(path))
        except etree.XMLSyntaxError as error:
            problems.append(f"{path.relative_to(ROOT)}: {error}")
    return problems


def check_access_csv():
    problems = []
    for addon in ADDONS:
        path = addon / "security" / "ir.model.access.csv"
        if not path.is_file():
            problems.append(f"{addon.name}: security/ir.model.access.csv is missing")
            continue
        with path.open(newline="") as handle:
            rows = list(csv.reader(handle))
        if rows[0] != ACCESS_HEADER:
            problems.append(f"{path.relative_to(ROOT)}: header is {rows[0]}")
        ids = [row[0] for row in rows[1:]]
        if len(ids) != len(set(ids)):
            problems.append(f"{path.relative_to(ROOT)}: duplicate ids")
    return problems


def check_translations():
    """Every add-on ships its .pot and a complete Persian (fa) translation of it."""
    import polib

    problems = []
    for addon in ADDONS:
        pot_path = addon / "i18n" / f"{addon.name}.pot"
        fa_path = addon / "i18n" / "fa.po"
        if not pot_path.is_file() or not fa_path.is_file():
            problems.append(f"{addon.name}: i18n/{addon.name}.pot or i18n/fa.po is missing")
            continue
        pot, fa = polib.pofile(str(pot_path)), polib.pofile(str(fa_path))
        translated = {entry.msgid for entry in fa if entry.msgstr.strip()}
        missing = [entry.msgid for entry in pot if entry.msgid not in translated]
        if missing:
            problems.append(f"{fa_path.relative_to(ROOT)}: {len(missing)} untranslated, e.g. {missing[:3]}")
        for entry in fa:
            want = sorted(re.findall(r"%\(\w+\)s", entry.msgid))
            if entry.msgstr and sorted(re.findall(r"%\(\w+\)s", entry.msgstr)) != want:
                problems.append(f"{fa_path.relative_to(ROOT)}: placeholders differ in {entry.msgid!r}")
    return problems


def check_translatable_terms():
    """Odoo's term export (Babel) reads every Python file to its end: an f-string inside ``_()``
    stops it silently and the rest of the file's terms never reach the .pot."""
    from babel.messages.extract import extract_python

    problems = []
    for addon in ADDONS:
        for path in sorted(addon.rglob("*.py")):
            try:
                with path.open("rb") as handle:
                    list(extract_python(handle, ["_", "_lt"], [], {}))
            except Exception as error:  # any failure loses terms
                problems.append(f"{path.relative_to(ROOT)}: terms cannot be extracted ({error})")
    return problems


# Packages the Odoo server itself imports to start (psycopg2, lxml, werkzeug...): every Odoo
# has them, a manifest need not list them. Any other package an add-on imports must be in its
# manifest's external_dependencies, by its PyPI name, so that Odoo refuses to install the
# add-on without it (instead of a stage failing at run time).
ODOO_SERVER_IMPORTS = {
    "babel",
    "dateutil",
    "decorator",
    "docutils",
    "jinja2",
    "lxml",
    "markupsafe",
    "passlib",
    "PIL",
    "psutil",
    "psycopg2",
    "pytz",
    "reportlab",
    "requests",
    "werkzeug",
}


def _top_level_imports(path):
    """Absolute imports of a Python file, at any depth (imports inside functions count)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def _distribution_key(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def check_external_dependencies(addons=None):
    """Every third-party package an add-on's Python files import is in its manifest's
    ``external_dependencies`` (PyPI names), and nothing listed there is left unimported."""
    from importlib.metadata import packages_distributions

    distributions = packages_distributions()
    ignored = set(sys.stdlib_module_names) | {"odoo", "__future__"} | ODOO_SERVER_IMPORTS
    problems = []
    for addon in addons or ADDONS:
        manifest = ast.literal_eval((addon / "__manifest__.py").read_text())
        listed = {
            _distribution_key(re.split(r"[\s<>=!~;\[]", name, maxsplit=1)[0]): name
            for name in manifest.get("external_dependencies", {}).get("python", [])
        }
        needed = {}
        for path in sorted(addon.rglob("*.py")):
            for module in _top_level_imports(path) - ignored:
                for dist in distributions.get(module, [None]):
                    needed.setdefault(dist or module, set()).add(path.relative_to(addon).as_posix())
        for dist, files in sorted(needed.items()):
            if _distribution_key(dist) not in listed:
                problems.append(
                    f"{addon.name}: imports {dist} ({', '.join(sorted(files)[:3])}) but its manifest's "
                    f"external_dependencies do not list it"
                )
        unused = set(listed) - {_distribution_key(dist) for dist in needed}
        for key in sorted(unused):
            problems.append(
                f"{addon.name}: external_dependencies list {listed[key]!r}, which nothing imports"
            )
    return problems


def check_requirements_lock():
    """requirements.lock pins every package requirements.txt names, at a version it allows."""
    from packaging.requirements import Requirement

    sys.path.insert(0, str(ROOT / "scripts"))
    from lock_requirements import LOCK, REFRESH, REQUIREMENTS, requirement_lines

    if not LOCK.is_file():
        return [f"requirements.lock is missing: {REFRESH}"]
    pinned = {}
    for line in requirement_lines(LOCK):
        name, _sep, version = line.partition("==")
        pinned[_distribution_key(name)] = version
    problems = []
    for line in requirement_lines(REQUIREMENTS):
        requirement = Requirement(line)
        version = pinned.get(_distribution_key(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            found = f"locks {version}" if version else "lacks it"
            problems.append(f"requirements.txt asks for {requirement}, requirements.lock {found}: {REFRESH}")
    return problems


def check_dashboards():
    """The Dashboards app's JSON files are what scripts/build_dashboards.py writes."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_dashboards.py"), "--check"],
        capture_output=True,
        text=True,
    )
    return [result.stdout.strip() or result.stderr.strip()] if result.returncode else []


def check_field_prefix():
    """Fields added to Odoo's models are named crm_ext_<name> (CONTRIBUTING.md)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import field_prefix

    return field_prefix.problems()


MAX_LINES = 600


def check_file_length(addons=None):
    """No Python file of the add-ons over MAX_LINES lines (CONTRIBUTING.md: a file that grows past
    it is split by what its parts do, as the analytics run and the data generator were)."""
    found = []
    for addon in addons or ADDONS:
        for path in sorted(Path(addon).rglob("*.py")):
            count = len(path.read_text().splitlines())
            if count > MAX_LINES:
                where = path.relative_to(Path(addon).parent)
                found.append(f"{where}: {count} lines, more than {MAX_LINES}: split it by what its parts do")
    return found


def _run(cmd):
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    output = (result.stdout + result.stderr).strip()
    return [output or f"{cmd[0]} exited {result.returncode}"] if result.returncode else []


def check_pylint_odoo():
    return _run([sys.executable, "-m", "pylint", "--rcfile=.pylintrc", *[str(a) for a in ADDONS]])


def check_ruff():
    return _run([sys.executable, "-m", "ruff", "check", "--no-cache", "."])


CHECKS = [
    ("manifests", check_manifests),
    ("xml well-formed", check_xml),
    ("access csv", check_access_csv),
    ("translations (fa)", check_translations),
    ("translatable terms", check_translatable_terms),
    ("external dependencies", check_external_dependencies),
    ("requirements.lock", check_requirements_lock),
    ("fields on Odoo models", check_field_prefix),
    ("python files under 600 lines", check_file_length),
    ("pylint-odoo (OCA rules)", check_pylint_odoo),
    ("dashboards built", check_dashboards),
    ("ruff", check_ruff),
]


def run_all():
    """Runs every check; returns (passed, failed)."""
    passed = failed = 0
    for name, check in CHECKS:
        problems = check()
        status = "FAIL" if problems else "ok"
        print(f"  static: {name:<26} {status}", flush=True)
        for problem in problems:
            print("    " + problem.replace("\n", "\n    "))
        passed += not problems
        failed += bool(problems)
    return passed, failed


if __name__ == "__main__":
    _passed, _failed = run_all()
    sys.exit(1 if _failed else 0)
