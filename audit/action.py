"""The GitHub Action's one script (``action.yml`` runs ``python -m audit.action``).

Reads the action's inputs from ``INPUT_*`` environment variables (set by action.yml), runs
``audit compare`` with every report written into the output folder, appends the Markdown summary to the
job summary, writes the step outputs (``verdict``, ``exit-code``, ``score`` and the report paths) to
``$GITHUB_OUTPUT``, and exits with the gate's code: 0 pass, 1 a check failed, 2 bad input or config.
It runs the same way on a laptop, which is how ``tests/test_action.py`` checks it.
"""
from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path


def _input(name: str, default: str = "") -> str:
    return os.environ.get(f"INPUT_{name.upper().replace('-', '_')}", default).strip()


def build_argv(out: Path) -> list[str]:
    real, synth = _input("real"), _input("synth")
    if not real or not synth:
        raise SystemExit("corpus-audit action: the 'real' and 'synth' inputs are required")
    argv = ["compare", real, synth, "--quiet", "--force",
            "--json", str(out / "result.json"), "--html", str(out / "report.html"),
            "--markdown", str(out / "summary.md"), "--junit", str(out / "junit.xml")]
    if _input("config"):
        argv += ["--config", _input("config")]
    if _input("baseline"):
        if Path(_input("baseline")).exists():
            argv += ["--baseline", _input("baseline")]
        else:
            print(f"corpus-audit action: baseline {_input('baseline')} not found; auditing without it",
                  file=sys.stderr)
    if _input("embedder"):
        argv += ["--embedder", _input("embedder")]
    argv += shlex.split(_input("args"))
    return argv


def _write_outputs(values: dict[str, str]) -> None:
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as f:
        for k, v in values.items():
            f.write(f"{k}={v}\n")


def main() -> int:
    from audit.cli import main as cli_main

    out = Path(_input("output-dir", "corpus-audit") or "corpus-audit")
    out.mkdir(parents=True, exist_ok=True)
    argv = build_argv(out)
    print("corpus-audit action: audit " + " ".join(shlex.quote(a) for a in argv), file=sys.stderr)
    code = cli_main(argv)
    values = {"exit-code": str(code), "output-dir": str(out)}
    result_path = out / "result.json"
    if result_path.exists():
        data = json.loads(result_path.read_text(encoding="utf-8"))
        summary = data.get("summary") or {}
        gate = data.get("gate") or {}
        values["verdict"] = str(gate.get("status") or summary.get("verdict") or "")
        score = summary.get("score")
        if isinstance(score, dict):
            score = score.get("overall", score.get("value"))
        if isinstance(score, (int, float)):
            values["score"] = f"{score:.0f}"
        values.update({"json": str(result_path), "html": str(out / "report.html"),
                       "markdown": str(out / "summary.md"), "junit": str(out / "junit.xml")})
        # `audit compare` appends the summary itself when a gate is configured; without one, do it here
        if not data.get("gate") and os.environ.get("GITHUB_STEP_SUMMARY") and (out / "summary.md").exists():
            with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as f:
                f.write((out / "summary.md").read_text(encoding="utf-8") + "\n")
    _write_outputs(values)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
