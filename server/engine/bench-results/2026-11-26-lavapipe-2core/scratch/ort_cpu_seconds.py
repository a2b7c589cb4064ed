# GFLOP per CPU-second of onnxruntime on a preset: python ort_cpu_seconds.py large 256 2
import sys, time, math, numpy as np, onnxruntime as ort
sys.path.insert(0, "server/engine/benches")  # run from the repository root
from onnx_compare import build_model, PRESETS
name, b, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
gflop = float(sys.argv[4]) if len(sys.argv) > 4 else 12.0
spin = sys.argv[5] if len(sys.argv) > 5 else "1"
w = PRESETS[name]; fpi = sum(2.0*k*n for k, n in zip(w, w[1:]))
so = ort.SessionOptions(); so.intra_op_num_threads = threads; so.inter_op_num_threads = 1
so.add_session_config_entry("session.intra_op.allow_spinning", spin)
s = ort.InferenceSession(build_model(w), so, providers=["CPUExecutionProvider"])
x = np.random.default_rng(1).uniform(-1, 1, size=(b, w[0])).astype(np.float32)
iters = max(1, math.ceil(gflop*1e9/fpi/b)); s.run(["y"], {"x": x})
bw = bc = 1e9
for _ in range(3):
    t, c = time.perf_counter(), time.process_time()
    for _ in range(iters): s.run(["y"], {"x": x})
    bw = min(bw, time.perf_counter()-t); bc = min(bc, time.process_time()-c)
f = fpi*b*iters/1e9
print(f"onnx {name} b={b} t={threads} spin={spin}: {f/bw:.1f} GFLOP/s wall, {f/bc:.1f} GFLOP per CPU-second")
