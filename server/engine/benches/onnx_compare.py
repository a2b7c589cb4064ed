#!/usr/bin/env python3
"""Same-shaped MLPs timed with onnxruntime's CPU engine, for BENCHMARKS.md.

Builds each preset (MatMul + Add + Relu per layer, no ReLU after the last)
with the `onnx` package and times `session.run` over n items in batches,
mirroring benches/gflops.rs: n covers ~4 GFLOP per pass (a multiple of the
batch), 1 warm-up pass, median of 3 timed passes. GFLOP/s count 2*in*out per
layer per item, like the engine.

    python3 -m venv /tmp/onnx-venv
    /tmp/onnx-venv/bin/pip install onnxruntime onnx numpy
    /tmp/onnx-venv/bin/python server/engine/benches/onnx_compare.py [--threads 2]
"""

import argparse
import math
import statistics
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

PRESETS = {
    "tiny": [64, 128, 10],
    "medium": [784, 1024, 1024, 10],
    "large": [1024, 4096, 4096, 1024],
}
BATCHES = [1, 8, 64, 256, 1024]
TARGET_FLOPS = 4e9


def build_model(widths, seed=42):
    rng = np.random.default_rng(seed)
    nodes, inits = [], []
    prev = "x"
    for i, (k, n) in enumerate(zip(widths, widths[1:])):
        bound = math.sqrt(3.0 / k)
        w = rng.uniform(-bound, bound, size=(k, n)).astype(np.float32)
        b = rng.uniform(-0.1, 0.1, size=(n,)).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
        nodes.append(helper.make_node("MatMul", [prev, f"w{i}"], [f"mm{i}"]))
        last = i == len(widths) - 2
        out = "y" if last else f"add{i}"
        nodes.append(helper.make_node("Add", [f"mm{i}", f"b{i}"], [out]))
        if not last:
            nodes.append(helper.make_node("Relu", [out], [f"h{i}"]))
            prev = f"h{i}"
    graph = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", widths[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", widths[-1]])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2, help="intra-op threads")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--scale", type=float, default=1.0, help="work per cell, like gflops --cpu-scale")
    args = ap.parse_args()
    print(f"# onnxruntime {ort.__version__}, CPUExecutionProvider, {args.threads} intra-op thread(s)")
    for name, widths in PRESETS.items():
        fpi = sum(2.0 * k * n for k, n in zip(widths, widths[1:]))
        so = ort.SessionOptions()
        so.intra_op_num_threads = args.threads
        so.inter_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(build_model(widths), so, providers=["CPUExecutionProvider"])
        print(f"\n## {name} ({'-'.join(map(str, widths))})\n| batch | onnxruntime GFLOP/s |\n|---:|---:|")
        for batch in BATCHES:
            items = max(math.ceil(TARGET_FLOPS * args.scale / fpi), batch)
            n = math.ceil(items / batch) * batch
            rng = np.random.default_rng(1)
            # One batch of inputs reused (input generation is untimed in the engine too).
            x = rng.uniform(-1, 1, size=(batch, widths[0])).astype(np.float32)
            times = []
            for rep in range(1 + args.repeats):
                t = time.perf_counter()
                for _ in range(n // batch):
                    sess.run(["y"], {"x": x})
                if rep > 0:
                    times.append(time.perf_counter() - t)
            med = statistics.median(times)
            print(f"| {batch} | {n * fpi / med / 1e9:.1f} |", flush=True)


if __name__ == "__main__":
    main()
