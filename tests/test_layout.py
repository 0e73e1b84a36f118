"""The package is laid out like the pipeline, and its imports point one way (adamllm/__init__.py): the workflow
uses the phases, each phase uses those below it, and the core uses none of them. Checked on the source's syntax
tree, imports inside functions included, so a lazy import cannot hide an upward edge."""

import ast
import re
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "adamllm"
LAYERS = ("core", "models", "data", "generation", "training", "evaluation", "workflow")  # bottom to top
TOP = len(LAYERS)  # adamllm.cli, above every layer


def layer_of(module: str) -> int | None:
    """The rank of an adamllm module (-1: the root package, which every layer may use), or None if it has none."""
    parts = module.split(".")
    if len(parts) == 1:
        return -1
    if parts[1] == "cli":
        return TOP
    return LAYERS.index(parts[1]) if parts[1] in LAYERS else None


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, module) of every adamllm module ``source`` imports; ``from adamllm import x`` counts as ``adamllm.x``
    when ``x`` is a subpackage, and relative imports are resolved against ``module``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name in LAYERS]
    return [(line, name) for line, name in found if name == "adamllm" or name.startswith("adamllm.")]


def upward(source: str, module: str, is_package: bool = False) -> list[str]:
    """The imports of ``source`` (as module ``module``) that point to a higher layer than its own."""
    own = layer_of(module)
    return [f"{module}:{line} imports {name}" for line, name in imported(source, module, is_package)
            if (layer_of(name) or 0) > own]  # fmt: skip


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_sits_in_a_layer():
    homeless = [module_name(path) for path in MODULES if layer_of(module_name(path)) is None]
    assert not homeless, f"modules outside the layers of adamllm/__init__.py: {homeless}"


def test_no_import_points_upward():
    found = []
    for path in MODULES:
        found += upward(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")
    assert not found, "imports that point up the layers:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("adamllm.core.io", "from adamllm.workflow.plan import dag\n"),  # the core importing the workflow
        ("adamllm.data.seed", "def f():\n    import adamllm.evaluation.tasks\n"),  # a lazy import
        ("adamllm.models.hub", "from adamllm import generation\n"),  # a subpackage imported by name
        ("adamllm.training.tuning", "from ..workflow import stages\n"),  # a relative import
        ("adamllm.evaluation.predict", "from adamllm.cli import main\n"),  # a phase importing the CLI
    ],
)
def test_an_upward_import_is_caught(module, source):
    assert upward(source, module), source


def test_downward_and_sideways_imports_pass():
    source = "from adamllm import TEMPLATES\nfrom adamllm.core.io import read_json\nfrom . import synthesis\n"
    assert upward(source, "adamllm.generation.consistency") == []


def test_each_subpackage_says_what_it_may_import():
    for rank, name in enumerate(LAYERS):
        doc = ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text(encoding="utf-8"))) or ""
        match = re.search(r"May import: (.*?)\.?$", doc, re.S | re.M)
        assert match, f"adamllm/{name}/__init__.py does not say what it may import"
        said = set(re.findall(r"``(?:adamllm\.)?(\w+)``", match.group(1)))
        assert said == set(LAYERS[:rank]), (name, said)
