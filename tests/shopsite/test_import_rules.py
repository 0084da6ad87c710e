"""The house's import rules (ARCHITECTURE.md, "Apps and what may import what"), enforced by import-linter.

grimp reads every import statement, function-local ones included, so a rule cannot be dodged by importing
inside a function. The contracts are in `.importlinter`.
"""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("shopsite", "customers", "catalog", "accounts", "orders", "webhooks", "graphapi", "api", "console")
LINT = str(Path(sys.executable).parent / "lint-imports")


def lint(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([LINT, "--config", str(folder / ".importlinter"), "--no-cache"], cwd=folder,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(folder)}, capture_output=True, text=True,
                          timeout=120, check=False)


def test_the_code_keeps_every_import_rule():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "6 kept, 0 broken" in result.stdout


def copy_of_the_code(tmp_path: Path) -> Path:
    for app in APPS:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__", "*.html", "*.json"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def test_an_import_that_breaks_a_rule_inside_a_function_is_caught(tmp_path):
    code = copy_of_the_code(tmp_path)
    with open(code / "shopsite" / "views.py", "a") as views:
        views.write("\n\ndef _sneaky():\n    from orders import selectors  # noqa: F401\n")
    result = lint(code)
    assert result.returncode == 1 and "shopsite.views -> orders.selectors" in result.stdout, result.stdout[-2000:]


def test_reading_another_apps_model_is_caught(tmp_path):
    code = copy_of_the_code(tmp_path)
    with open(code / "webhooks" / "consumer.py", "a") as consumer:
        consumer.write("\nfrom orders.models import Order  # noqa: E402,F401\n")
    result = lint(code)
    assert result.returncode == 1 and "webhooks is not allowed to import orders.models" in result.stdout, \
        result.stdout[-2000:]


def test_a_domain_app_reaching_up_into_the_console_is_caught(tmp_path):
    code = copy_of_the_code(tmp_path)
    with open(code / "catalog" / "services.py", "a") as services:
        services.write("\nfrom console.exports import pages_all  # noqa: E402,F401\n")
    result = lint(code)
    assert result.returncode == 1 and "catalog.services -> console.exports" in result.stdout, result.stdout[-2000:]
