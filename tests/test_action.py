"""action.yml: a valid composite action whose one script (`python -m audit.action`) runs green on the
sample data with a passing gate, red (exit 1) with a failing one, and writes the step outputs and the job
summary a workflow reads."""
import os
import subprocess
import sys

import yaml

from tests.conftest import ROOT

ACTION = ROOT / "action.yml"


def test_action_yml_shape():
    action = yaml.safe_load(ACTION.read_text())
    assert action["runs"]["using"] == "composite"
    assert action["inputs"]["real"]["required"] and action["inputs"]["synth"]["required"]
    steps = action["runs"]["steps"]
    audit = next(s for s in steps if s.get("id") == "audit")
    assert audit["run"].strip() == "python -m audit.action"
    # every input the script reads is passed through, and every INPUT_ variable comes from an input
    for var, expr in audit["env"].items():
        name = var[len("INPUT_"):].lower().replace("_", "-")
        assert expr == "${{ inputs.%s }}" % name and name in action["inputs"]
    install = next(s for s in steps if s.get("name") == "Install corpus-audit")["run"]
    assert "torch --index-url" in install and "github.action_path" in install
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"].startswith("always()")
    for out in ("verdict", "exit-code", "html", "json"):
        assert action["outputs"][out]["value"] == "${{ steps.audit.outputs.%s }}" % out


def _run(tmp_path, check: str):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("real.jsonl", "synth.jsonl"):
        lines = (ROOT / "sample_data" / name).read_text().splitlines()[:120]
        (data / name).write_text("\n".join(lines) + "\n")
    (tmp_path / "audit.toml").write_text(f"min_docs = 20\n\n[[check]]\n{check}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "GITHUB_"))}
    env.update(INPUT_REAL="data/real.jsonl", INPUT_SYNTH="data/synth.jsonl", INPUT_CONFIG="audit.toml",
               INPUT_EMBEDDER="hash", INPUT_ARGS="--no-map --no-cache", INPUT_OUTPUT_DIR="out",
               INPUT_BASELINE="missing.json", GITHUB_OUTPUT=str(tmp_path / "gh_output"),
               GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
               PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "audit.action"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600)
    outputs = dict(line.split("=", 1) for line in (tmp_path / "gh_output").read_text().splitlines())
    return proc, outputs


def test_action_green_on_a_passing_gate(tmp_path):
    proc, out = _run(tmp_path, 'metric = "exact_copy_rate"\nop = "<="\nthreshold = 1.0')
    assert proc.returncode == 0, proc.stderr
    assert out["exit-code"] == "0" and out["verdict"] == "pass"
    for key in ("json", "html", "markdown", "junit"):
        assert (tmp_path / out[key]).stat().st_size > 0
    assert "corpus-audit" in (tmp_path / "summary.md").read_text()
    assert "baseline missing.json not found" in proc.stderr


def test_action_red_on_a_failing_gate(tmp_path):
    proc, out = _run(tmp_path, 'metric = "vendi_score"\nop = ">="\nthreshold = "10 * real"')
    assert proc.returncode == 1, proc.stderr
    assert out["exit-code"] == "1" and out["verdict"] == "fail"
    assert "vendi_score" in (tmp_path / "summary.md").read_text()
