#!/usr/bin/env python3
"""Same-shaped MLPs run by PyTorch on a CUDA GPU (cuBLAS SGEMM), for BENCHMARKS.md.

The reference for the engine's WGSL kernels on real hardware. It mirrors
benches/gflops.rs's GPU columns: per batch, upload (`batch.to("cuda")`),
forward pass, read back (`.cpu()`); n covers the same work per pass as
`gflops --gpu-scale S` (2 GFLOP x S, at most 5,000 batches, a multiple of the
batch), 1 warm-up pass, median of 3 timed passes. "kernel-only" times the
forward pass alone on a batch already on the GPU, with CUDA events.

TF32 is switched off, so cuBLAS does true fp32 FMA work like the WGSL kernels
(tensor cores would otherwise run the matmuls in TF32 precision).

    python3 server/engine/benches/torch_compare.py [--gpu-scale 100]
"""

import argparse
import math
import statistics
import time

import torch

PRESETS = {
    "tiny": [64, 128, 10],
    "medium": [784, 1024, 1024, 10],
    "large": [1024, 4096, 4096, 1024],
}
MAX_BATCHES_PER_PASS = 5000  # the engine's max_gpu_batches / 4, as in gflops.rs


def build_model(widths, device):
    layers = []
    for i, (k, n) in enumerate(zip(widths, widths[1:])):
        layers.append(torch.nn.Linear(k, n))
        if i < len(widths) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers).to(device).eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gpu-scale", type=float, default=1.0)
    ap.add_argument("--batches", default="1,8,64,256,1024")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda")
    print(f"# torch {torch.__version__}, {torch.cuda.get_device_name(0)}, fp32 (TF32 off)")
    print("# GFLOP/s; loop = upload + forward + readback per batch; kernel-only = forward on a resident batch")
    target = 2e9 * args.gpu_scale
    for name, widths in PRESETS.items():
        fpi = sum(2.0 * k * n for k, n in zip(widths, widths[1:]))
        model = build_model(widths, dev)
        print(f"\n## {name} ({'-'.join(map(str, widths))})")
        print("| batch | n | torch loop | torch kernel-only |\n|---:|---:|---:|---:|")
        for batch in batches:
            items = max(math.ceil(target / fpi), batch)
            n = min(math.ceil(items / batch), MAX_BATCHES_PER_PASS) * batch
            x_host = torch.rand(batch, widths[0]) * 2 - 1
            times = []
            with torch.inference_mode():
                for rep in range(1 + args.repeats):
                    torch.cuda.synchronize()
                    t = time.perf_counter()
                    for _ in range(n // batch):
                        y = model(x_host.to(dev)).cpu()  # .cpu() waits for the GPU
                    if rep > 0:
                        times.append(time.perf_counter() - t)
                x_dev = x_host.to(dev)
                iters = max(1, min(2000, n // batch))
                model(x_dev)
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                kernel = []
                for _ in range(args.repeats):
                    start.record()
                    for _ in range(iters):
                        model(x_dev)
                    end.record()
                    end.synchronize()
                    kernel.append(start.elapsed_time(end) / 1e3)
            loop = n * fpi / statistics.median(times) / 1e9
            kern = iters * batch * fpi / statistics.median(kernel) / 1e9
            print(f"| {batch} | {n} | {loop:.1f} | {kern:.1f} |", flush=True)
            del y


if __name__ == "__main__":
    main()
