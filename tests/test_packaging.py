"""`python -m build` makes an sdist and a wheel with everything the audit needs (templates, vendored
Chart.js, lexicons), the version comes from `audit.__version__` alone, and the installed wheel runs."""
import json
import os
import subprocess
import sys
import tarfile
import zipfile

import pytest

import audit
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    src = tmp_path_factory.mktemp("src") / "corpus-audit"
    # build from a clean copy of the tracked files, as a release would (no venv, no build leftovers)
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for rel in filter(None, files.decode().split("\0")):
        target = src / rel
        if (ROOT / rel).is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((ROOT / rel).read_bytes())
    proc = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "--outdir",
                           str(out), str(src)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return out


def test_wheel_and_sdist_carry_the_version_and_the_data(dist):
    wheel = next(dist.glob("*.whl"))
    sdist = next(dist.glob("*.tar.gz"))
    assert wheel.name.startswith(f"corpus_audit-{audit.__version__}-")
    assert sdist.name == f"corpus_audit-{audit.__version__}.tar.gz"
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("audit/cli.py", "metrics/registry.py", "reports/html.py", "reports/templates/report.html.j2"):
        assert needed in names
    assert any(n.startswith("reports/static/") for n in names)
    assert any(n.startswith("metrics/data/") for n in names)
    with tarfile.open(sdist) as t:
        assert any(n.endswith("/action.yml") or n.endswith("/README.md") for n in t.getnames())


def test_installed_wheel_runs_an_audit(dist, tmp_path):
    wheel = next(dist.glob("*.whl"))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = lambda *a: subprocess.run([sys.executable, *a], cwd=tmp_path, env=env, capture_output=True, text=True,
                                    timeout=600)
    where = run("-c", "import audit, reports; print(audit.__file__); print(reports.__file__)")
    assert where.stdout.count(str(target)) == 2, where.stdout + where.stderr  # the wheel, not the checkout
    assert run("-m", "audit.cli", "--version").stdout.strip() == f"corpus-audit {audit.__version__}"
    for name in ("real.jsonl", "synth.jsonl"):
        lines = (ROOT / "sample_data" / name).read_text().splitlines()[:60]
        (tmp_path / name).write_text("\n".join(lines) + "\n")
    proc = run("-m", "audit.cli", "compare", "real.jsonl", "synth.jsonl", "--embedder", "hash", "--no-map",
               "--no-cache", "-q", "--json", "r.json", "--html", "r.html")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "r.json").read_text())["metrics"]
    assert "chart" in (tmp_path / "r.html").read_text().lower()
