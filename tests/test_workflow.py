"""examples/github-actions.yml: valid workflow, and the `audit` command it runs works as written."""
import json
import re
import shlex
import xml.etree.ElementTree as ET

import pytest

from audit.cli import main
from tests.conftest import ROOT, reference_package

yaml = reference_package("yaml")
WORKFLOW = ROOT / "examples" / "github-actions.yml"


@pytest.fixture(scope="module")
def workflow():
    return yaml.safe_load(WORKFLOW.read_text())


def steps(wf):
    return wf["jobs"]["audit"]["steps"]


def test_workflow_shape(workflow):
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as True
    assert "pull_request" in on
    uses = [s.get("uses", "") for s in steps(workflow)]
    assert any(u.startswith("actions/checkout@") for u in uses)
    assert any(u.startswith("actions/setup-python@") for u in uses)
    cache = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == "~/.cache/corpus-audit"
    assert "hashFiles(env.REAL)" in cache["with"]["key"]
    upload = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()"
    assert any("pip install" in s.get("run", "") for s in steps(workflow))


def audit_command(workflow):
    step = next(s for s in steps(workflow) if "audit compare" in s.get("run", ""))
    script = step["run"].replace("\\\n", " ")
    line = next(ln for ln in script.splitlines() if "audit compare" in ln)
    return line


def test_workflow_command_runs_against_sample_data(workflow, tmp_path, monkeypatch):
    env = workflow["env"]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    for name, src in (("REAL", "real.jsonl"), ("SYNTH", "synth.jsonl")):
        lines = (ROOT / "sample_data" / src).read_text().splitlines()[:120]  # small: the command, not the data
        (tmp_path / env[name]).write_text("\n".join(lines) + "\n")
    (tmp_path / env["AUDIT_CONFIG"]).write_text((ROOT / "examples" / "audit.toml").read_text())
    (tmp_path / "audit-out").mkdir()
    summary = tmp_path / "step_summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("AUDIT_EMBEDDER", "hash")  # the CLI's default embedder
    line = audit_command(workflow)
    line = re.sub(r"\$\{\{ *steps\.baseline\.outputs\.args *\}\}", "", line)  # no baseline on a first run
    for k, v in env.items():
        line = line.replace(f'"${k}"', v).replace(f"${k}", v)
    assert "${{" not in line and "$" not in line, line
    argv = shlex.split(line)
    assert argv[:2] == ["audit", "compare"]
    extra = ["--no-map", "--no-cache"] if "--no-map" not in argv else []  # speed only; same outputs
    code = main(argv[1:] + extra)
    assert code in (0, 1)
    result = json.loads((tmp_path / "audit-out/result.json").read_text())
    assert result["gate"]["config"] == env["AUDIT_CONFIG"]
    assert code == (1 if result["gate"]["status"] == "fail" else 0)
    suite = ET.parse(tmp_path / "audit-out/junit.xml").getroot().find("testsuite")
    assert int(suite.get("tests")) == len(result["gate"]["checks"]) >= 5
    md = (tmp_path / "audit-out/summary.md").read_text()
    assert md.startswith("<!-- corpus-audit -->") and summary.read_text().strip() == md.strip()
    assert (tmp_path / "audit-out/report.html").stat().st_size > 1000
    for path in upload_paths(workflow):
        assert (tmp_path / path).exists()


def upload_paths(wf):
    up = next(s for s in steps(wf) if s.get("uses", "").startswith("actions/upload-artifact@"))
    return up["with"]["path"].split()
