"""--engine dask on a real distributed.LocalCluster (2 worker processes) gives the local engine's JSON,
on the sample data and on a sharded copy of a corpus, and still does when a worker dies mid-run."""
import json
import os
import signal
import threading

import pytest
from distributed import Client, LocalCluster

from audit.cli import main
from tests.conftest import ROOT

pytestmark = pytest.mark.slow
ARGS = ["--embedder", "hash", "--no-map", "--no-cache", "--no-config", "-q"]


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as c:
        yield c


def _json(path):
    return json.loads(path.read_text())


def _shard(tmp_path, name, n_shards):
    lines = (ROOT / "sample_data" / name).read_text().splitlines()
    d = tmp_path / name.replace(".jsonl", "_shards")
    d.mkdir()
    step = -(-len(lines) // n_shards)
    for i in range(n_shards):
        (d / f"part-{i:02d}.jsonl").write_text("\n".join(lines[i * step:(i + 1) * step]) + "\n")
    return d


def test_dask_engine_equals_local_on_sample_data(tmp_path):
    real, synth = ROOT / "sample_data" / "real.jsonl", ROOT / "sample_data" / "synth.jsonl"
    local, dask = tmp_path / "local.json", tmp_path / "dask.json"
    assert main(["compare", str(real), str(synth), *ARGS, "--json", str(local)]) == 0
    # no --scheduler: the engine starts (and closes) a LocalCluster of this machine itself
    assert main(["compare", str(real), str(synth), *ARGS, "--engine", "dask", "--json", str(dask)]) == 0
    assert local.read_text() == dask.read_text()


def test_dask_engine_equals_local_on_shards_and_survives_a_lost_worker(cluster, tmp_path):
    real, synth = _shard(tmp_path, "real.jsonl", 6), _shard(tmp_path, "synth.jsonl", 9)
    local, dask = tmp_path / "local.json", tmp_path / "dask.json"
    assert main(["compare", str(real), str(synth), *ARGS, "--json", str(local)]) == 0
    assert len(_json(local)["inputs"]["synth"]["shards"]) == 9

    client = Client(cluster)
    pids = client.run(os.getpid)  # worker address -> process id
    killed: list = []
    stop = threading.Event()

    def kill_a_worker():  # as soon as a worker is busy with a shard, end its process the hard way
        while not stop.is_set():
            busy = [w for w, tasks in client.processing().items() if tasks and w in pids]
            if busy:
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(busy[0])
                return
            stop.wait(0.005)

    t = threading.Thread(target=kill_a_worker, daemon=True)
    t.start()
    try:
        assert main(["compare", str(real), str(synth), *ARGS, "--engine", "dask", "--scheduler",
                     cluster.scheduler_address, "--json", str(dask)]) == 0
    finally:
        stop.set()
        t.join(5)
        client.close()
    assert killed, "no worker was busy long enough to be killed mid-run"
    assert local.read_text() == dask.read_text()


def test_scheduler_errors_are_one_line(capsys):
    real = str(ROOT / "sample_data" / "real.jsonl")
    assert main(["compare", real, real, *ARGS, "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--scheduler needs --engine dask" in capsys.readouterr().err


def test_dask_workers_apply_the_users_document_limit(cluster, tmp_path):
    """--max-doc-chars reaches the workers: an over-long document in one shard is rejected as too_long there,
    as the local reader rejects it (the workers used to read with the default limit and keep it)."""
    real, synth = _shard(tmp_path, "real.jsonl", 3), _shard(tmp_path, "synth.jsonl", 2)
    with open(real / "part-01.jsonl", "a") as f:
        f.write(json.dumps({"text": "a long record " * 200}) + "\n")  # 2,800 characters
    limit = ["--max-doc-chars", "2000"]  # above every sample document (at most 1,173 characters)
    local, dask = tmp_path / "local.json", tmp_path / "dask.json"
    assert main(["compare", str(real), str(synth), *ARGS, *limit, "--json", str(local)]) == 0
    assert main(["compare", str(real), str(synth), *ARGS, *limit, "--engine", "dask", "--scheduler",
                 cluster.scheduler_address, "--json", str(dask)]) == 0
    inp = _json(dask)["inputs"]["real"]
    assert inp["rejected"] == {"too_long": 1} and inp["n_documents"] == 450
    assert local.read_text() == dask.read_text()
