"""An audit loads only what it uses: no pandas (scikit-learn's unused import), no umap-learn/numba
(the map's layout is NumPy at every size), no torch (the static and hash embedders need none)."""
import json
import os
import subprocess
import sys

from tests.conftest import ROOT

HEAVY = ("pandas", "umap", "numba", "llvmlite", "pynndescent", "torch", "transformers")


def test_compare_imports_none_of_the_heavy_libraries_it_does_not_use(tmp_path):
    for side in ("real", "synth"):  # 520 points on the map: a sparse eigensolver's size, umap-learn's before
        lines = (ROOT / "sample_data" / f"{side}.jsonl").read_text(encoding="utf-8").splitlines()[:260]
        (tmp_path / f"{side}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = (
        "import sys, json\n"
        "from audit.cli import main\n"
        f"rc = main(['compare', {str(tmp_path / 'real.jsonl')!r}, {str(tmp_path / 'synth.jsonl')!r}, '--embedder',"
        f" 'hash', '--no-cache', '--quiet', '--json', {str(tmp_path / 'r.json')!r}, '--html',"
        f" {str(tmp_path / 'r.html')!r}])\n"
        f"print(json.dumps([rc, sorted(m for m in {HEAVY!r} if m in sys.modules)]))\n"
        "import pandas, sklearn.linear_model\n"  # pandas still imports, and scikit-learn takes its frames
        "df = pandas.DataFrame({'a': [0., 1., 2., 3.], 'b': [1, 1, 0, 0]})\n"
        "print(sklearn.linear_model.LogisticRegression().fit(df[['a']], df['b']).predict(df[['a']]).tolist())\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    first, second = proc.stdout.strip().splitlines()[-2:]
    assert json.loads(first) == [0, []]
    assert json.loads(second) == [1, 1, 0, 0]
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["sections"]["map"]["method"] == "umap" and len(result["sections"]["map"]["points"]) == 520


# SciPy's import in the command's processes (audit.imports.scipy_docs_as_written): each function keeps the
# docstring its author wrote, SciPy's parser is back afterwards, and a program that imports audit is not touched.
_SCIPY_DOCS = (
    "import json, os, sys\n"
    "from audit import imports\n"
    "if sys.argv[1] == 'lean':\n"
    "    os.environ[imports.LEAN_DOCS_ENV] = '1'\n"
    "imports.sklearn_without_pandas()\n"
    "import numpy as np, scipy.stats\n"
    "import scipy._lib._docscrape as docscrape\n"
    "from scipy._lib._array_api import xp_capabilities\n"
    "def later(x):\n"
    "    '''Decorated after the import.\n\n    Parameters\n    ----------\n    x : int\n        A number.\n    '''\n"
    "    return x\n"
    "later = xp_capabilities()(later)\n"
    "doc = scipy.stats.ttest_ind.__doc__\n"
    "bound = sorted(n for n, m in sys.modules.items() if n.startswith('scipy')\n"
    "               and getattr(m, '__dict__', {}).get('FunctionDoc') not in (None, docscrape.FunctionDoc))\n"
    "t = scipy.stats.ttest_ind([1.0, 2.0, 3.0, 4.0], [3.0, 4.0, 5.0, 6.0]).statistic\n"
    "print(json.dumps({'first': doc.strip().splitlines()[0], 'note': 'Array API Standard Support' in doc,\n"
    "                  'keepdims': 'keepdims' in doc, 'later_note': 'Array API Standard Support' in later.__doc__,\n"
    "                  'parser': docscrape.FunctionDoc.__name__, 'bound': bound, 't': float(t),\n"
    "                  'pandas': 'pandas' in sys.modules}))\n"
)


def _scipy_docs(mode: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", _SCIPY_DOCS, mode], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_command_imports_scipy_with_each_function_s_own_docstring():
    lean, plain = _scipy_docs("lean"), _scipy_docs("plain")
    first = "Calculate the T-test for the means of *two independent* samples of scores."
    # a program that imports audit gets SciPy's rendering: its note and the axis/nan_policy/keepdims parameters
    assert plain["first"] == first and plain["note"] and plain["keepdims"]
    # the command's processes: the author's docstring, nothing added
    assert lean["first"] == first and not lean["note"] and not lean["keepdims"]
    for run in (lean, plain):
        assert run["parser"] == "FunctionDoc" and run["bound"] == []  # SciPy's parser everywhere afterwards,
        assert run["later_note"]  # so a function decorated later is documented as SciPy documents it
        assert not run["pandas"]
        # the same function: Welch/Student t of (1,2,3,4) vs (3,4,5,6) = -2 / sqrt(2 * 5/3 / 4) = -2.19089
        assert abs(run["t"] - (-2.0 / (2 * (5 / 3) / 4) ** 0.5)) < 1e-12


def test_the_command_sets_lean_docs_for_itself_and_the_workers_it_starts():
    code = (
        "import os\n"
        "from audit import imports\n"
        "from audit.family_worker import new_pool\n"
        "with imports.lean_docs():\n"
        "    pool = new_pool()\n"
        "    seen = pool.submit(os.getenv, imports.LEAN_DOCS_ENV).result()\n"
        "    pool.shutdown()\n"
        "print(seen, os.environ.get(imports.LEAN_DOCS_ENV))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["1", "None"]  # the worker inherits it; the program's environment is restored


def test_main_sets_lean_docs_only_while_the_command_runs(monkeypatch, tmp_path):
    from audit import cli, imports

    seen = []
    monkeypatch.delenv(imports.LEAN_DOCS_ENV, raising=False)
    monkeypatch.setitem(cli.COMMANDS, "render", lambda args: seen.append(os.environ.get(imports.LEAN_DOCS_ENV)) or 0)
    assert cli.main(["render", str(tmp_path / "r.json")]) == 0
    assert seen == ["1"] and imports.LEAN_DOCS_ENV not in os.environ


# NumPy's copies in SciPy's and scikit-learn's array-API namespaces (audit.imports.numpy_star_without_tools)
_NUMPY_TOOLS = (
    "import json, os, sys\n"
    "from audit import imports\n"
    "if sys.argv[1] == 'lean':\n"
    "    os.environ[imports.LEAN_DOCS_ENV] = '1'\n"
    "import numpy\n"
    "all_before, dir_before = list(numpy.__all__), dir(numpy)\n"
    "imports.sklearn_without_pandas()\n"
    "loaded = [m for m in ('numpy.f2py', 'numpy.testing') if m in sys.modules]\n"
    "import numpy.testing\n"
    "numpy.testing.assert_allclose([1.0], [1.0])\n"
    "from scipy._lib.array_api_compat import numpy as xp\n"
    "print(json.dumps({'loaded': loaded, 'restored': numpy.__all__ == all_before and dir(numpy) == dir_before,\n"
    "                  'xp_sum': float(xp.sum(xp.asarray([1.0, 2.0]))), 'xp_testing': hasattr(xp, 'testing')}))\n"
)


def test_the_command_imports_scikit_learn_without_numpy_s_f2py_and_testing():
    runs = {}
    for mode in ("lean", "plain"):
        proc = subprocess.run([sys.executable, "-c", _NUMPY_TOOLS, mode], capture_output=True, text=True, cwd=ROOT,
                              timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        runs[mode] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert runs["lean"]["loaded"] == []  # the command's processes: neither is imported by the copies
    assert runs["plain"]["loaded"] == ["numpy.f2py", "numpy.testing"]  # what SciPy's copy does otherwise
    for run in runs.values():
        assert run["restored"] and run["xp_sum"] == 3.0  # NumPy's own lists as before; the namespace works
    assert not runs["lean"]["xp_testing"] and runs["plain"]["xp_testing"]


def test_numpy_star_without_tools_by_itself():
    import numpy

    from audit.imports import NUMPY_TOOLS, numpy_star_without_tools

    outside: dict = {}
    exec("from numpy import *", outside)
    with numpy_star_without_tools():
        inside: dict = {}
        exec("from numpy import *", inside)
        listed = dir(numpy)
    assert set(outside) - set(inside) == set(NUMPY_TOOLS) and not set(NUMPY_TOOLS) & set(listed)
    assert set(NUMPY_TOOLS) <= set(numpy.__all__) and set(NUMPY_TOOLS) <= set(dir(numpy))  # restored
