"""A golden AuditResult from sample_data (hash embedder, no map): any change to a number, a verdict or
the JSON's shape shows up here. After an intended change: `pytest tests/test_golden.py --refresh-golden`
and review the diff of tests/golden/sample_result.json like code."""
import json
import math
from pathlib import Path

import pytest

from audit.pipeline import AuditOptions, run_audit

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "sample_result.json"


def _result(tmp_path) -> dict:
    import os

    cwd = os.getcwd()
    os.chdir(ROOT)  # relative input paths, as a user would type them
    try:
        opts = AuditOptions(real="sample_data/real.jsonl", synth="sample_data/synth.jsonl", embedder="hash",
                            use_cache=False, make_map=False)
        res = run_audit(opts).to_dict()
    finally:
        os.chdir(cwd)
    res["settings"].pop("versions")  # library versions differ between machines, and that is fine
    return res


def _compare(a, b, path="$"):
    """Structure and strings exactly; floats to 1e-6 relative (BLAS sums may differ in the last bits)."""
    if isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, (int, float)) and isinstance(b, (int, float)), f"{path}: {a!r} vs {b!r}"
        assert math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9), f"{path}: {a!r} vs {b!r}"
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{path}: keys {sorted(set(a) ^ set(b))}"
        for k in a:
            _compare(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{path}: length {len(a)} vs {len(b) if isinstance(b, list) else b}"
        for i, (x, y) in enumerate(zip(a, b)):
            _compare(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} vs {b!r}"


def test_sample_result_matches_golden(tmp_path, request):
    res = _result(tmp_path)
    # the README's promise: every per-corpus noise floor comes from several real splits or a bootstrap,
    # never one split's gap (a lucky small gap would shrink it)
    one = [m["name"] for m in res["metrics"] if ((m.get("details") or {}).get("noise") or {}).get("replicates") == 1]
    assert one == [], one
    if request.config.getoption("--refresh-golden"):
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(res, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        return  # rewritten on request: review its diff like code
    assert GOLDEN.exists(), f"{GOLDEN} is missing: run with --refresh-golden, review and commit it"
    _compare(json.loads(GOLDEN.read_text()), json.loads(json.dumps(res)))
