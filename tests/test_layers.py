"""The package's layers, as the README's architecture section draws them, hold: each imports only the layers
below it, and only `sandbox.web` (and the commands that serve it) loads Flask."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sandbox"
# Bottom to top; a module may import its own layer and the ones before it. `config` is below them all.
LAYERS = ("config", "contract", "domain", "infra", "usecases", "assembly", "web")
# The commands at the top (they serve the web layer).
TOP = ("cli", "pytest_plugin", "__main__", "__init__", "client")
WEB_FRAMEWORKS = ("flask", "werkzeug", "waitress", "jinja2")


def layer_of(module):
    """`sandbox.domain.lifecycle` -> `domain`; `sandbox.assembly` -> `assembly`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(relative.parts).removesuffix(".__init__")
        yield name, path


def imports_of(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "sandbox":
                yield from (f"sandbox.{alias.name}" for alias in node.names)
            else:
                yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


LAYERED = [(name, path) for name, path in modules() if layer_of(name) in LAYERS]


@pytest.mark.parametrize("name,path", LAYERED, ids=[name for name, _ in LAYERED])
def test_each_layer_imports_only_the_layers_below_it(name, path):
    own = LAYERS.index(layer_of(name))
    upward = [
        imported
        for imported in imports_of(path)
        if imported.startswith("sandbox.")
        and layer_of(imported) in LAYERS
        and LAYERS.index(layer_of(imported)) > own
    ]
    assert upward == [], f"{name} ({LAYERS[own]}) imports from higher layers: {upward}"


@pytest.mark.parametrize("name,path", LAYERED, ids=[name for name, _ in LAYERED])
def test_only_the_web_layer_imports_a_web_framework(name, path):
    if layer_of(name) == "web":
        return
    frameworks = [imported for imported in imports_of(path) if imported.split(".")[0] in WEB_FRAMEWORKS]
    assert frameworks == [], f"{name} imports {frameworks}"


def test_importing_everything_outside_web_loads_no_flask():
    """In a fresh interpreter: every module but `sandbox.web.*` and the commands above it imports without
    Flask being loaded (the package's `create_app` is looked up lazily)."""
    names = [name for name, _ in LAYERED if layer_of(name) != "web"]
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug', 'waitress'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
