#!/usr/bin/env bash
# CPU path vs onnxruntime, cell by cell: for each preset and batch size the
# engine's bench and onnxruntime run back to back, so both see the same
# machine load (on a shared 2-core machine the load moves by ±30 % within
# minutes, which makes tables measured at different times incomparable).
#
#   python3 -m venv /tmp/onnx-venv && /tmp/onnx-venv/bin/pip install onnxruntime onnx numpy
#   cargo bench -p lab-engine --bench gflops --no-run
#   THREADS=2 SCALE=3 server/engine/benches/cpu_vs_onnx.sh medium,large 64,256,1024
# (SCALE multiplies the work per cell in both tools; 3 lets large b = 1024 run.)
set -eu
presets=${1:-medium,large}
batches=${2:-64,256,1024}
threads=${THREADS:-2}
scale=${SCALE:-1}
py=${PY:-/tmp/onnx-venv/bin/python}
here=$(dirname "$0")
uptime
for p in ${presets//,/ }; do
    for b in ${batches//,/ }; do
        cargo bench -q -p lab-engine --bench gflops -- --no-gpu --cpu-scale "$scale" --presets "$p" --batches "$b" 2>/dev/null |
            grep -E '^\| [0-9]' | sed "s/^/engine $p /"
        "$py" "$here/onnx_compare.py" --threads "$threads" --scale "$scale" --presets "$p" --batches "$b" |
            grep -E '^\| [0-9]' | sed "s/^/onnx   $p /"
    done
done
uptime
