"""An audit loads only what it uses: no pandas (scikit-learn's unused import), no umap-learn/numba
(the map's layout is NumPy at every size), no torch (the static and hash embedders need none)."""
import json
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
