"""Module layering, checked on the source: no import cycle at module level, the CLI modules a tree even
counting the imports inside functions, no module importing another module's private names, and the
renderers depending on the result modules only, never on the pipeline package's other modules."""
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
    # textsafe: string escaping only; home: the cache folder's path (Jinja's compiled templates)
    allowed = {"audit.result", "audit.trend_result", "audit.textsafe", "audit.home"}
    for f in _files("reports"):
        used = {m for m, _ in _imports(f) if m.split(".")[0] == "audit"}
        assert used <= allowed, (f.name, used - allowed)


# -- import graph ------------------------------------------------------------------------------------------
def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _statements(body, lazy: bool):
    """Every statement run when the module is imported (``lazy``: also those inside functions and classes)."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not lazy:
            continue
        yield node
        for field in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(node, field, None)
            if isinstance(inner, list):
                yield from _statements(inner, lazy)


def import_graph(sources: dict[str, str], lazy: bool = False) -> dict[str, set[str]]:
    """``{module: modules of ``sources`` it imports}``; ``from pkg import mod`` counts as importing pkg.mod."""
    graph = {}
    for mod, text in sources.items():
        deps = set()
        for node in _statements(ast.parse(text).body, lazy):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for a in node.names:
                    sub = f"{node.module}.{a.name}"
                    deps.add(sub if sub in sources else node.module)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        graph[mod] = {d for d in deps if d in sources and d != mod}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _sources(*packages) -> dict[str, str]:
    return {_module_name(f): f.read_text(encoding="utf-8") for f in _files(*packages)}


def test_cycle_finder_finds_a_planted_cycle():
    planted = {"audit.a": "from audit.b import x\n", "audit.b": "import audit.c\n",
               "audit.c": "def f():\n    from audit import a\n", "audit.d": "import audit.a\n"}
    assert cycles(import_graph(planted)) == []  # the import of a sits in a function: not run at import time
    assert cycles(import_graph(planted, lazy=True)) == [["audit.a", "audit.b", "audit.c"]]
    planted["audit.c"] = "if True:\n    from audit import a\n"
    assert cycles(import_graph(planted)) == [["audit.a", "audit.b", "audit.c"]]


def test_no_import_cycle_at_module_level():
    assert cycles(import_graph(_sources(*PACKAGES))) == []


CLI = {"audit.cli", "audit.cli_gate", "audit.cli_trend", "audit.cli_args", "audit.cli_output"}


def test_cli_modules_form_a_tree():
    """Counting the imports inside functions too: cli -> cli_gate, cli_trend -> cli_args, cli_output, never back,
    and below the command line only the entry points (api, action) import a CLI module."""
    graph = import_graph(_sources("audit", "reports", "metrics"), lazy=True)
    assert CLI <= graph.keys()
    assert not [c for c in cycles(graph) if CLI & set(c)], [c for c in cycles(graph) if CLI & set(c)]
    for low in ("audit.cli_args", "audit.cli_output"):
        assert not graph[low] & CLI, (low, graph[low] & CLI)
    users = {m for m, deps in graph.items() if deps & CLI} - CLI
    assert users <= {"audit.api", "audit.action"}, users
