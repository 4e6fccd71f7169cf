# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The CPU build of torch. A bare `torch` requirement can pull a multi-GB CUDA build; elsewhere, point
# TORCH_INDEX at a CPU wheel index (pip's --index-url) or set TORCH to the spec you want.
TORCH       ?= torch==2.13.0
TORCH_INDEX ?=
OUT    ?= out

.PHONY: demo demo-trend test install clean-venv bench fuzz mutation

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "$(TORCH)"
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

# compileall: where PYTHONDONTWRITEBYTECODE is set (many container images, this project's machines), Python
# never caches the bytecode of an editable install's modules, and compiles the audit's own in every process
# that imports them (0.6 s of a 100 + 100 audit here)
demo: install
	$(BIN)/python -m compileall -q audit metrics reports >/dev/null
	$(BIN)/audit compare sample_data/real.jsonl sample_data/synth.jsonl \
		--json $(OUT)/report.json --html $(OUT)/report.html --markdown $(OUT)/summary.md

# Model collapse: simulate 5 generations of recursive training on the real sample (replace chain),
# then audit the chain; the trend checks fail on it (exit 1), which is the point of the demo.
demo-trend: install
	$(BIN)/python -m audit.simulate sample_data/real.jsonl --out $(OUT)/chain --generations 5 --mode replace
	$(BIN)/audit trend --manifest $(OUT)/chain/manifest.toml --check \
		--json $(OUT)/trend.json --html $(OUT)/trend.html --markdown $(OUT)/trend.md || [ $$? -eq 1 ]

# FUZZ_EXAMPLES: hypothesis examples per fuzzed property in the suite (bounded; `make fuzz` runs long)
FUZZ_EXAMPLES ?= 150

# TEST_WORKERS: pytest-xdist processes (auto: one per physical core, at most 4; 0: one process). A test file
# runs whole on one worker (--dist loadfile), so its module fixtures are built once.
TEST_WORKERS ?= auto

test: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --maxprocesses 4 --dist loadfile tests

bench: install
	$(BIN)/python benchmarks/run.py

# Mutation testing over the verdict rule, the noise floor and the statistics first (benchmarks/mutation.md):
# MUTANTS narrows it, e.g. make mutation MUTANTS='audit.compare*'; results per module in the summary.
# OMP_NUM_THREADS=1: mutmut forks its workers, and faiss's OpenMP pool does not survive a fork (every
# mutant of a faiss-using function hung until its CPU limit and counted as a timeout).
# RAYON_NUM_THREADS=1: the same for rensa's (MinHash, Rust) rayon pool: a batch of a few hundred documents
# fingerprinted in mutmut's parent process, then again in a forked worker, hangs there (every mutant of
# metrics.fingerprint's hashing functions timed out); with one rayon thread it runs in the caller.
MUTANTS ?=
mutation: install
	rm -rf mutants
	OMP_NUM_THREADS=1 RAYON_NUM_THREADS=1 nice -n 19 $(BIN)/mutmut run --max-children 2 $(MUTANTS)
	$(BIN)/python benchmarks/mutation_summary.py

fuzz: install
	$(BIN)/python benchmarks/fuzz.py

clean-venv:
	rm -rf $(VENV)
