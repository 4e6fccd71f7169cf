"""Module layering, checked on the source: no module imports another module's private names, and the
renderers depend on the result modules only, never on the pipeline package's other modules."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("audit", "metrics", "reports")


def _imports(path: Path):
    """(module imported from, names) for every import in the file, at any depth."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, []


def _files(*packages):
    for pkg in packages:
        yield from sorted((ROOT / pkg).rglob("*.py"))


def test_no_private_names_imported_across_modules():
    bad = [(str(f.relative_to(ROOT)), mod, n) for f in _files(*PACKAGES) for mod, names in _imports(f)
           if mod.split(".")[0] in PACKAGES for n in names if n.startswith("_") and not n.startswith("__")]
    assert not bad, bad


def test_renderers_read_only_the_result_modules():
    allowed = {"audit.result", "audit.trend_result", "audit.textsafe"}  # textsafe: string escaping only
    for f in _files("reports"):
        used = {m for m, _ in _imports(f) if m.split(".")[0] == "audit"}
        assert used <= allowed, (f.name, used - allowed)
