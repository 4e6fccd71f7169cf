#!/usr/bin/env bash
# The families' forked copy on a loaded and on a quiet machine (run on demand, not a test): 100 + 100 documents
# (sample_data's first 100 of each file) with it (--workers 0, the default) and without it (--workers 1),
# interleaved, first beside one busy loop per core, then without them. Prints wall times, the load average and
# the two JSON digests (equal: the same result). Session 12's output: fork_loaded_results_session12.txt.
#     bash benchmarks/fork_loaded.sh [ROUNDS] > benchmarks/fork_loaded_results.txt
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
ROUNDS=${1:-4}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
head -100 sample_data/real.jsonl > "$TMP/real.jsonl"
head -100 sample_data/synth.jsonl > "$TMP/synth.jsonl"
run() {  # condition, workers
  rm -rf "$TMP/cache"
  local s e
  s=$(date +%s.%N)
  "$PY" -m audit.cli compare "$TMP/real.jsonl" "$TMP/synth.jsonl" --quiet --force --workers "$2" \
    --cache-dir "$TMP/cache" --json "$TMP/r_$2.json" --html "$TMP/r_$2.html"
  e=$(date +%s.%N)
  echo "$1 workers=$2 $(echo "$e - $s" | bc) s load $(cut -d' ' -f1 /proc/loadavg)"
}
HOGS=()
for _ in $(seq "$(nproc)"); do "$PY" -c "while True: pass" & HOGS+=($!); done
sleep 1
for _ in $(seq "$ROUNDS"); do run loaded 0; run loaded 1; done
kill "${HOGS[@]}"
wait "${HOGS[@]}" 2>/dev/null || true
for _ in $(seq "$ROUNDS"); do run quiet 0; run quiet 1; done
sha256sum "$TMP/r_0.json" "$TMP/r_1.json" | cut -c1-12
