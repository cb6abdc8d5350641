"""The bookkeeping of the Odoo-suites phase: known failures, unexpected results, recomputing."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import odoo_suites

LIST = """\
# a comment
crm/tests/test_a.py::TestA::test_one  phone numbers are formatted differently here

portal/tests/test_b.py::TestB::test_two  the public group
"""


def test_the_list_is_read_and_written_back():
    known = odoo_suites.parse_known(LIST)
    assert known == {
        "crm/tests/test_a.py::TestA::test_one": "phone numbers are formatted differently here",
        "portal/tests/test_b.py::TestB::test_two": "the public group",
    }
    assert odoo_suites.parse_known(odoo_suites.format_known(known)) == known


def test_unexpected_failures_listed_tests_passing_or_gone():
    known = odoo_suites.parse_known(LIST)
    outcomes = {
        "crm/tests/test_a.py::TestA::test_one": ("failed", "call: E AssertionError"),
        "sale/tests/test_c.py::TestC::test_three": ("failed", "call: E 0.0 != 1200.0"),
        "sale/tests/test_c.py::TestC::test_four": ("passed", ""),
        "sale/tests/test_c.py::TestC::test_five": ("skipped", "no module"),
    }
    unexpected, passing, missing = odoo_suites.compare(outcomes, known)
    assert unexpected == {"sale/tests/test_c.py::TestC::test_three": "call: E 0.0 != 1200.0"}
    assert passing == []
    assert missing == ["portal/tests/test_b.py::TestB::test_two"]
    outcomes["crm/tests/test_a.py::TestA::test_one"] = ("passed", "")
    assert odoo_suites.compare(outcomes, known)[1] == ["crm/tests/test_a.py::TestA::test_one"]


def test_recomputing_keeps_the_reasons_written():
    outcomes = {
        "crm/tests/test_a.py::TestA::test_one": ("failed", "call: E x"),
        "sale/tests/test_c.py::TestC::test_new": ("failed", "setup: E y"),
        "portal/tests/test_b.py::TestB::test_two": ("passed", ""),
    }
    known = odoo_suites.recomputed(outcomes, odoo_suites.parse_known(LIST))
    assert known == {
        "crm/tests/test_a.py::TestA::test_one": "phone numbers are formatted differently here",
        "sale/tests/test_c.py::TestC::test_new": "TO EXPLAIN: setup: E y",
    }


def test_the_odoo_modules_crm_ext_depends_on():
    modules = odoo_suites.odoo_dependencies()
    assert {"crm", "sale_crm", "sale_stock", "portal", "rating", "mass_mailing_crm"} <= set(modules)
    assert not [m for m in modules if m.startswith("crm_ext")]


def test_a_failure_that_passes_alone_counts_as_passed():
    outcomes = {
        "sale/tests/t.py::T::test_tour": ("failed", "call: E TIMEOUT"),
        "sale/tests/t.py::T::test_real": ("failed", "call: E 0.0 != 1.0"),
        "sale/tests/t.py::T::test_ok": ("passed", ""),
    }
    again = {
        "sale/tests/t.py::T::test_tour": ("passed", ""),
        "sale/tests/t.py::T::test_real": ("failed", "x"),
    }
    merged, flaky = odoo_suites.merge_rerun(outcomes, again, list(again))
    assert flaky == ["sale/tests/t.py::T::test_tour"]
    assert merged["sale/tests/t.py::T::test_tour"][0] == "passed"
    assert "TIMEOUT" in merged["sale/tests/t.py::T::test_tour"][1]
    assert merged["sale/tests/t.py::T::test_real"] == ("failed", "call: E 0.0 != 1.0")
