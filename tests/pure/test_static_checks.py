"""The static check that keeps the manifests' external_dependencies in step with the imports."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import static_checks


@pytest.fixture
def addon(tmp_path):
    def make(dependencies, files):
        root = tmp_path / "crm_ext_probe"
        root.mkdir(exist_ok=True)
        (root / "__manifest__.py").write_text(
            repr({"name": "probe", "external_dependencies": {"python": dependencies}})
        )
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return root

    return make


def test_a_package_imported_in_a_function_must_be_listed(addon):
    root = addon(
        ["pandas"],
        {"engine/churn.py": "import pandas as pd\n\ndef fit():\n    from sklearn.linear_model import X\n"},
    )
    problems = static_checks.check_external_dependencies([root])
    assert len(problems) == 1
    assert "imports scikit-learn (engine/churn.py)" in problems[0]


def test_listed_by_pypi_name_with_a_version_is_enough(addon):
    code = "import os\nimport numpy\nimport psycopg2\nfrom odoo import models\nfrom . import x\n"
    root = addon(
        ["NumPy>=2", "scikit_learn"], {"models/a.py": code, "models/b.py": "from sklearn import svm\n"}
    )
    assert static_checks.check_external_dependencies([root]) == []


def test_a_listed_package_nothing_imports_is_reported(addon):
    root = addon(["numpy", "statsmodels"], {"a.py": "import numpy\n"})
    assert static_checks.check_external_dependencies([root]) == [
        "crm_ext_probe: external_dependencies list 'statsmodels', which nothing imports"
    ]


def test_the_four_addons_pass():
    assert static_checks.check_external_dependencies() == []


def test_file_length_names_the_files_over_600_lines(tmp_path):
    addon = tmp_path / "crm_ext_demo"
    (addon / "models").mkdir(parents=True)
    (addon / "models" / "short.py").write_text("x = 1\n" * static_checks.MAX_LINES)
    (addon / "models" / "long.py").write_text("x = 1\n" * (static_checks.MAX_LINES + 1))
    assert static_checks.check_file_length([addon]) == [
        "crm_ext_demo/models/long.py: 601 lines, more than 600: split it by what its parts do"
    ]
