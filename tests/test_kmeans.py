"""metrics.kmeans: the one faiss k-means, its shared settings and the single-thread context."""
import os
import subprocess
import sys

import numpy as np
import pytest

from metrics.kmeans import faiss_single_thread, fit_kmeans, import_faiss

faiss = import_faiss()
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_single_thread_inside_and_previous_setting_restored_even_on_error():
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(2)
    try:
        with faiss_single_thread():
            assert faiss.omp_get_max_threads() == 1
        assert faiss.omp_get_max_threads() == 2
        with pytest.raises(RuntimeError):
            with faiss_single_thread():
                raise RuntimeError("boom")
        assert faiss.omp_get_max_threads() == 2
    finally:
        faiss.omp_set_num_threads(before)


def test_fit_kmeans_passes_every_setting_to_faiss():
    x = np.random.default_rng(0).normal(size=(100, 4))  # float64: cast to float32 for faiss
    km = fit_kmeans(x, 3.0, seed=5.0, niter=7, nredo=2, spherical=True, max_points_per_centroid=20)
    cp = km.cp
    assert (km.k, km.d) == (3, 4)
    assert (cp.niter, cp.nredo, cp.spherical, cp.seed) == (7, 2, True, 5)
    assert (cp.min_points_per_centroid, cp.max_points_per_centroid, cp.verbose) == (1, 20, False)
    assert km.centroids.shape == (3, 4)
    assert np.linalg.norm(km.centroids, axis=1) == pytest.approx(np.ones(3), abs=1e-5)  # spherical


def test_fit_kmeans_defaults_and_extra_options():
    x = np.random.default_rng(1).normal(size=(60, 2)).astype(np.float32)
    km = fit_kmeans(x, 2, seed=0, update_index=True)
    cp = km.cp
    assert (cp.niter, cp.nredo, cp.spherical, cp.max_points_per_centroid) == (20, 1, False, 256)
    assert cp.update_index is True  # **faiss_options reach faiss
    assert np.linalg.norm(km.centroids, axis=1).max() > 1.01  # not spherical: centroids are not unit rows


def test_fit_kmeans_finds_two_separated_blobs_and_is_seeded():
    rng = np.random.default_rng(2)
    x = np.vstack([rng.normal(size=(40, 3)) * 0.1, rng.normal(size=(40, 3)) * 0.1 + 10.0])
    km = fit_kmeans(x, 2, seed=3)
    _, lab = km.index.search(np.ascontiguousarray(x, dtype=np.float32), 1)
    lab = lab[:, 0]
    assert len(set(lab[:40])) == 1 and len(set(lab[40:])) == 1 and lab[0] != lab[40]
    assert sorted(km.centroids[:, 0].round()) == [0.0, 10.0]
    assert np.array_equal(km.centroids, fit_kmeans(x, 2, seed=3).centroids)


def test_fit_kmeans_is_silent(capfd):
    fit_kmeans(np.random.default_rng(3).normal(size=(50, 2)), 2, seed=0)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


_PROBE = """
import json, os, sys
import numpy
from threadpoolctl import threadpool_info
before = {l["filepath"] for l in threadpool_info()}
from metrics.kmeans import import_faiss
import_faiss()
faiss_blas = [l for l in threadpool_info() if l["internal_api"] == "openblas" and l["filepath"] not in before]
numpy_blas = [l for l in threadpool_info() if l["internal_api"] == "openblas" and "numpy" in l["filepath"]]
print(json.dumps({"faiss": faiss_blas[0]["architecture"] if faiss_blas else None,
                  "numpy": numpy_blas[0]["architecture"] if numpy_blas else None,
                  "left": os.environ.get("OPENBLAS_CORETYPE")}))
"""


def _probe(env_extra: dict) -> dict:
    import json

    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    env.update(env_extra, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_faiss_openblas_takes_numpys_cpu_kernel_and_the_variable_is_not_left_set():
    """faiss-cpu's OpenBLAS 0.3.15 falls back to its generic Prescott kernel on CPUs newer than it (3-5x
    slower sgemm); loaded through import_faiss it runs the kernel numpy's OpenBLAS detected."""
    got = _probe({})
    assert got["numpy"] and got["faiss"], got  # both libraries are OpenBLAS in this project's environment
    want = {"SapphireRapids": "SkylakeX"}.get(got["numpy"], got["numpy"])
    assert got["faiss"].lower() == want.lower(), got
    assert got["left"] is None  # set for the import only: libraries loaded later detect their own kernel


def test_a_coretype_the_user_set_is_kept():
    got = _probe({"OPENBLAS_CORETYPE": "Haswell"})
    assert got["faiss"] == "Haswell" and got["left"] == "Haswell"


def test_blas_core_reads_numpys_openblas_from_threadpool_info_rows():
    from metrics.kmeans import blas_core

    faiss_row = {"internal_api": "openblas", "architecture": "Prescott", "filepath": "/x/faiss_cpu.libs/libopenblaso.so"}
    numpy_row = {"internal_api": "openblas", "architecture": "SkylakeX", "filepath": "/x/numpy.libs/libscipy_openblas.so"}
    gomp = {"internal_api": "openmp", "architecture": None, "filepath": "/x/libgomp.so"}
    assert blas_core([gomp, faiss_row, numpy_row]) == "SkylakeX"  # numpy's, wherever it is listed
    assert blas_core([numpy_row, faiss_row]) == "SkylakeX"
    assert blas_core([gomp, faiss_row]) == "Prescott"  # no numpy OpenBLAS: the first one naming a kernel
    unnamed = {"internal_api": "openblas", "architecture": None, "filepath": "/x/numpy.libs/o.so"}
    assert blas_core([unnamed, faiss_row]) == "Prescott"
    mkl = {"internal_api": "mkl", "architecture": "SkylakeX", "filepath": "/x/numpy.libs/mkl.so"}
    assert blas_core([mkl]) is None and blas_core([gomp]) is None and blas_core([]) is None
    assert blas_core([{"internal_api": "openblas", "architecture": "Haswell"}]) == "Haswell"  # no filepath


@pytest.mark.parametrize("numpy_core, want", [
    ("SkylakeX", "skylakex"), ("Haswell", "haswell"), ("Zen", "zen"), ("Cooperlake", "cooperlake"),
    ("Prescott", "prescott"), ("SapphireRapids", "SkylakeX"),  # newer than OpenBLAS 0.3.15: its nearest kernel
    ("neoversen1", None), ("armv8", None), ("", None), (None, None),  # kernels faiss's OpenBLAS has no name for
])
def test_faiss_coretype_by_hand(numpy_core, want):
    from metrics.kmeans import faiss_coretype

    assert faiss_coretype(numpy_core, {}) == want
    assert faiss_coretype(numpy_core, {"OPENBLAS_CORETYPE": "Haswell"}) is None  # the user's value stands
    assert faiss_coretype(numpy_core, {"OPENBLAS_CORETYPE": ""}) is None


_RECORDS = "import os\nSEEN = os.environ.get('OPENBLAS_CORETYPE')\n"  # a stand-in faiss: the variable as it loads


def _stand_in(tmp_path, monkeypatch, body: str, core):
    """faiss replaced by a package in ``tmp_path`` (the real one comes back after the test), numpy's kernel by
    ``core`` (a value, or a function of threadpoolctl's rows); returns metrics.kmeans."""
    from metrics import kmeans

    pkg = tmp_path / "faiss"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(body, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "faiss")
    monkeypatch.setattr(kmeans, "blas_core", core if callable(core) else (lambda libraries: core))
    return kmeans


def test_import_faiss_sets_the_kernel_for_the_import_alone(tmp_path, monkeypatch):
    """A stand-in faiss records the variable while it loads; afterwards the variable is gone again."""
    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    kmeans = _stand_in(tmp_path, monkeypatch, _RECORDS, "SkylakeX")
    mod = kmeans.import_faiss()
    assert mod.SEEN == "skylakex" and mod.__file__.startswith(str(tmp_path))
    assert "OPENBLAS_CORETYPE" not in os.environ
    assert kmeans.import_faiss() is mod  # loaded once: the second call returns it


def test_import_faiss_leaves_a_user_value_and_an_unknown_kernel_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Zen")
    kmeans = _stand_in(tmp_path, monkeypatch, _RECORDS, "SkylakeX")
    assert kmeans.import_faiss().SEEN == "Zen" and os.environ["OPENBLAS_CORETYPE"] == "Zen"
    monkeypatch.delenv("OPENBLAS_CORETYPE")
    monkeypatch.setattr(kmeans, "blas_core", lambda libraries: "armv8")
    del sys.modules["faiss"]
    assert kmeans.import_faiss().SEEN is None and "OPENBLAS_CORETYPE" not in os.environ


def test_import_faiss_removes_the_variable_when_the_import_fails(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    kmeans = _stand_in(tmp_path, monkeypatch, "raise ImportError('no faiss here')\n", "Haswell")
    with pytest.raises(ImportError, match="no faiss here"):
        kmeans.import_faiss()
    assert "OPENBLAS_CORETYPE" not in os.environ


def test_import_faiss_asks_threadpoolctl_for_the_loaded_libraries(tmp_path, monkeypatch):
    seen = []
    kmeans = _stand_in(tmp_path, monkeypatch, "SEEN = None\n", lambda libraries: seen.append(libraries))
    kmeans.import_faiss()
    assert len(seen) == 1 and isinstance(seen[0], list)
    assert any(lib.get("internal_api") == "openblas" for lib in seen[0])  # numpy's, loaded by this test module


_RACE = """
import sys, threading
from metrics.kmeans import import_faiss
errors = []
def first(fn):
    fn()
def later(fn, name, attr):  # arrives while the first thread is still importing the module
    while name not in sys.modules:
        pass
    try:
        getattr(fn(), attr)  # a module half imported lacks its attributes
    except Exception as e:
        errors.append(repr(e))
threads = []
for fn, name, attr in ((import_faiss, "faiss", "omp_get_max_threads"),):
    threads += [threading.Thread(target=later, args=(fn, name, attr)) for _ in range(2)]
    threads.append(threading.Thread(target=first, args=(fn,)))
for t in threads: t.start()
for t in threads: t.join()
print(errors)
"""


def test_threads_importing_faiss_at_once_each_get_the_whole_module():
    """The families run on threads: one asking for faiss while another is importing it, in a fresh
    process, must get the complete module (it used to get faiss half imported, from sys.modules)."""
    out = subprocess.run([sys.executable, "-c", _RACE], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"
