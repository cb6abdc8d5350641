#!/usr/bin/env python3
"""Refreshes an add-on's ``i18n/<module>.pot`` from Odoo's term export and merges its
``i18n/fa.po`` into it (a development tool; the static checks verify the result).

    .venv/bin/python scripts/update_translations.py crm_ext_sales --db crm_ext_dev
    .venv/bin/python scripts/update_translations.py crm_ext_sales --merge-only \\
        --from-po old_fa.po --from-po other_fa.po

The database must have the add-on installed with the current code (``scripts/dev_test.sh
--update MODULE``). Translations are kept by msgid; with ``--from-po`` the Persian of other
``fa.po`` files (e.g. both sides of a merge) is taken too, the add-on's own first. It prints
the terms left without Persian and exits 1 when there are some.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def export_pot(module, database):
    addons_path = (ROOT / ".state" / "addons_path").read_text().strip()
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"{module}.pot"
        subprocess.run(
            [sys.executable, "-m", "odoo", "-c", str(ROOT / "odoo.conf"), "--addons-path", addons_path,
             "-d", database, "--db-filter", f"^{database}$", f"--i18n-export={target}",
             f"--modules={module}", "--stop-after-init", "--no-http", "--log-level=warn"],
            check=True, cwd=ROOT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        return target.read_text()


def merge(module, pot_text, extra_po):
    i18n = ROOT / "addons" / module / "i18n"
    pot_path, fa_path = i18n / f"{module}.pot", i18n / "fa.po"
    if pot_text is not None:
        pot_path.write_text(pot_text)
    pot = polib.pofile(str(pot_path))
    known = {}
    for source in [fa_path, *extra_po]:
        if Path(source).is_file():
            for entry in polib.pofile(str(source)):
                if entry.msgstr.strip() and entry.msgid not in known:
                    known[entry.msgid] = entry.msgstr
    old = polib.pofile(str(fa_path)) if fa_path.is_file() else None
    fa = polib.POFile(wrapwidth=pot.wrapwidth)
    fa.metadata = dict(old.metadata if old else pot.metadata)
    fa.metadata["Language"] = "fa"
    fa.header = old.header if old else pot.header
    missing = []
    for entry in pot:
        copy = polib.POEntry(
            msgid=entry.msgid, msgstr=known.get(entry.msgid, ""), occurrences=entry.occurrences,
            comment=entry.comment, tcomment=entry.tcomment, flags=entry.flags,
        )  # fmt: skip
        if not copy.msgstr:
            missing.append(entry.msgid)
        fa.append(copy)
    fa.save(str(fa_path))
    return missing


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module")
    parser.add_argument("--db", default=os.environ.get("CRM_EXT_DB", "crm_ext_dev"))
    parser.add_argument("--merge-only", action="store_true", help="keep the .pot, only rebuild fa.po")
    parser.add_argument("--from-po", action="append", default=[], help="another fa.po to take Persian from")
    args = parser.parse_args()
    pot_text = None if args.merge_only else export_pot(args.module, args.db)
    missing = merge(args.module, pot_text, args.from_po)
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    print(f"{args.module}: {len(missing)} term(s) without Persian")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
