"""Thread budget for the numeric libraries (audit.threads): fixed, overridable, restored afterwards."""
import os

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from audit.cli import main
from audit.errors import ConfigError
from audit.threads import ENV, limited_threads, thread_budget


def test_budget_is_one_unless_the_environment_says_more(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert thread_budget() == 1
    monkeypatch.setenv(ENV, "3")
    assert thread_budget() == 3
    for bad in ("0", "-2", "two"):
        monkeypatch.setenv(ENV, bad)
        with pytest.raises(ConfigError, match=ENV):
            thread_budget()


def test_limits_loaded_pools_and_sets_then_restores_the_environment(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    np.ones((2, 2)) @ np.ones((2, 2))  # numpy's BLAS is loaded
    with limited_threads(1) as n:
        assert n == 1
        assert os.environ["OMP_NUM_THREADS"] == "1" and os.environ["OPENBLAS_NUM_THREADS"] == "1"
        blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
        assert blas and all(p["num_threads"] == 1 for p in blas)
    assert os.environ["OMP_NUM_THREADS"] == "7" and "OPENBLAS_NUM_THREADS" not in os.environ


def test_cli_rejects_a_bad_budget_with_exit_2(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv(ENV, "lots")
    assert main(["diff", str(tmp_path / "a.json"), str(tmp_path / "b.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and ENV in err[0]
