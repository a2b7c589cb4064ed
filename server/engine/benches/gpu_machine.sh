#!/usr/bin/env bash
# The engine's benchmarks on a machine with a real NVIDIA GPU, from binaries
# built elsewhere (that machine has no Rust toolchain and no network):
#
#   cargo build --release -p inference-lab --bin inference-lab   # `inference-lab bench`
#   cargo build --release -p lab-engine --example roofline
#   cargo bench -p lab-engine --bench gflops --no-run   # prints the binary's path
#   mkdir -p .devbin && cp target/release/inference-lab target/release/examples/roofline \
#       target/release/deps/gflops-<hash> .devbin/
#   and, when the machine has the NVIDIA driver but no Vulkan loader or GL
#   dispatch libraries, their Debian packages in .gl/ (libvulkan1 libglvnd0
#   libglx0 libgl1 libegl1 libgles2 libopengl0, from `apt-get download`):
#   NVIDIA's Vulkan driver is libGLX_nvidia.so.0, which needs libGLdispatch.
#
# then on the GPU machine: OUT=/some/dir server/engine/benches/gpu_machine.sh
# LEASE=short runs what fits a 15-minute lease (the machine, the roofline,
# the acceptance run, large, the GPU columns of the gflops table for medium
# and large) in about 8 minutes at most; unset, every table (about 25).
# Each step has its own time limit, so one hang cannot eat the whole run.
set -u
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
BIN=${BIN:-.devbin}
OUT=${OUT:-/tmp/gpu-bench}
mkdir -p "$OUT"
gflops=$(ls "$BIN"/gflops-* | head -n1)

if compgen -G ".gl/*.deb" >/dev/null; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
fi
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$icd" ]; then export VK_DRIVER_FILES=$icd; break; fi
done
echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"

{
    nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,clocks.sm,memory.total --format=csv
    python3 -c 'import torch; p = torch.cuda.get_device_properties(0); print(f"{p.name}: {p.multi_processor_count} SMs")'
    echo "CPU: $(nproc) threads, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
} 2>&1 | tee "$OUT/machine.txt"

echo "== roofline: each device's measured roofs, and medium and large at b = 1, 64, 1024 under them"
timeout 240 "$BIN/roofline" 2>"$OUT/roofline.log" | tee "$OUT/roofline.md"
echo "== acceptance: bench --device both --model medium --n 4096 --batch 64"
timeout 60 "$BIN/inference-lab" bench --device both --model medium --n 4096 --batch 64 2>&1 | tee "$OUT/acceptance.txt"
echo "== large, inside the server's default limits"
timeout 60 "$BIN/inference-lab" bench --device both --model large --n 256 --batch 256 --repeats 5 2>&1 | tee "$OUT/large.txt"
if [ "${LEASE:-}" = short ]; then
    echo "== gflops GPU columns, medium and large (LEASE=short)"
    timeout 150 "$gflops" --no-cpu --presets medium,large --gpu-scale "${GPU_SCALE:-100}" --json \
        2>"$OUT/gflops-gpu.jsonl" | tee "$OUT/gflops-gpu.md"
    exit 0
fi
echo "== gflops table"
# Six GPU columns now (three loop styles, naive, kernels, FMA probe): more time.
timeout 360 "$gflops" --gpu-scale "${GPU_SCALE:-100}" --cpu-scale "${CPU_SCALE:-2}" --json \
    2>"$OUT/gflops.jsonl" | tee "$OUT/gflops.md"
echo "== kernel configurations: kernel-only GFLOP/s per override variant, shape rule vs autotune, autotune's table"
timeout 300 "$gflops" --configs --presets medium,large --batches 1,8,64,256,1024 --config-repeats 5 \
    2>&1 | tee "$OUT/gflops-configs.md"
echo "== gflops GPU columns with autotune off (the table above ran with it on, the default)"
LAB_AUTOTUNE=0 timeout 240 "$gflops" --no-cpu --presets medium,large --gpu-scale "${GPU_SCALE:-100}" --json \
    2>"$OUT/gflops-autotune-off.jsonl" | tee "$OUT/gflops-autotune-off.md"
echo "== PyTorch (cuBLAS fp32) on the same shapes"
timeout 120 python3 server/engine/benches/torch_compare.py --gpu-scale "${GPU_SCALE:-100}" 2>&1 | tee "$OUT/torch.md"
echo "== onnxruntime CPU, all threads"
timeout 120 python3 server/engine/benches/onnx_compare.py --threads "$(nproc)" --scale "${CPU_SCALE:-2}" 2>&1 | tee "$OUT/onnx.md"
