"""The shape the code keeps: modules of one sub-domain and functions that read in one screen.

No module of app code over 500 lines and no function (methods and nested functions included,
counted from ``def`` to its last line) over 60; migrations are generated and left out. A module or
function that outgrows them is split by what it does, not squeezed.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("config", "core", "portfolio", "usecases", "administration", "demo", "imports")
MODULE_LINES = 500
FUNCTION_LINES = 60


def app_modules() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def long_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        f"{node.name} (line {node.lineno}): {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > FUNCTION_LINES
    ]


def test_every_app_is_measured():
    assert all((ROOT / app).is_dir() for app in APPS)
    assert len(app_modules()) > 50


@pytest.mark.parametrize("path", app_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_a_module_holds_one_sub_domain(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MODULE_LINES, f"{lines} lines: split it by sub-domain"
    assert long_functions(path) == [], "split these into named steps"
