#!/usr/bin/env bash
# GPU check for onnx-lenet (issue 7), for an NVIDIA machine with no network and maybe no Node.js:
#   1. prints the GPU and driver        2. unpacks the Vulkan loader it carries (libvulkan1 .deb)
#   3. runs `onnx-lenet doctor`          4. trains 1 epoch of mnist-sample on webgpu and on cpu, compares the
#      first 20 losses (relative tolerance 1e-3, as issue 8 sets for 20 steps)
#   5. times train steps at batch 64 and 1024 on webgpu and, if usable, cuda; PyTorch on cuda if available
#   6. prints one table (and writes it, with every log, to $OUT or gpu-check-out/).
# --dry-run does everything that needs no GPU (tools, build, doctor, the train command's presence) and
# prints the GPU steps it would run. Budget: each GPU step has a timeout; the whole run stays under 6 minutes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DRY=0; STEPS=50
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY=1 ;;
    --steps=*) STEPS="${arg#--steps=}" ;;
    *) echo "usage: tools/gpu-check.sh [--dry-run] [--steps=N]" >&2; exit 2 ;;
  esac
done
OUT="${OUT:-${TMPDIR:-/tmp}/onnx-lenet-gpu-check}"; mkdir -p "$OUT"; echo "logs and table: $OUT"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$WORK}"
NODE="${NODE:-$(command -v node || true)}"
[ -z "$NODE" ] && [ -x "$ROOT/.gpu-pack/node" ] && NODE="$ROOT/.gpu-pack/node"
[ -n "$NODE" ] || { echo "gpu-check: no Node.js: put a node binary on PATH or at .gpu-pack/node (see tools/README.md)" >&2; exit 1; }
CLI=("$NODE" "$ROOT/bin/onnx-lenet.js")
TABLE="$OUT/table.md"
say() { printf '\n== %s\n' "$*"; }
row() { printf '| %-28s | %-10s | %-6s | %s |\n' "$1" "$2" "$3" "$4" | tee -a "$TABLE"; }

say "1. GPU and driver"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"
else
  echo "no nvidia-smi$([ $DRY = 1 ] && echo ' (dry run: fine)')" | tee "$OUT/gpu.txt"
  [ $DRY = 1 ] || { echo "gpu-check: this needs an NVIDIA GPU; use --dry-run elsewhere" >&2; exit 1; }
fi
echo "node $("$NODE" --version) ($NODE)"
[ -f "$ROOT/dist/src/cli/index.js" ] || { echo "gpu-check: dist/ missing: run npm run build before packing" >&2; exit 1; }

say "2. Vulkan loader and CUDA libraries"
DEB="$(ls "$ROOT"/.gpu-pack/libvulkan1_*.deb "$ROOT"/tools/gpu/libvulkan1_*.deb 2>/dev/null | head -1 || true)"
if [ -n "$DEB" ]; then
  dpkg-deb -x "$DEB" "$WORK/vulkan" 2>/dev/null || (cd "$WORK" && ar x "$DEB" && mkdir -p vulkan && tar -xf data.tar.* -C vulkan)
  export LD_LIBRARY_PATH="$WORK/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "unpacked $(basename "$DEB")"
elif ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then echo "system libvulkan.so.1"
else echo "no libvulkan1 .deb in .gpu-pack/ and no system loader: webgpu will find no adapter"; fi
for icd in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  [ -f "$icd" ] && { export VK_ICD_FILENAMES="$icd" VK_DRIVER_FILES="$icd"; echo "Vulkan ICD: $icd"; break; }
done
# onnxruntime-node's CUDA provider needs CUDA 12 + cuDNN 9 libraries; pip's nvidia-* wheels (PyTorch) carry them.
for py in python3 /usr/bin/python3; do
  libs="$("$py" -c 'import glob,os,nvidia; print(":".join(sorted(glob.glob(os.path.join(list(nvidia.__path__)[0],"*","lib")))))' 2>/dev/null || true)"
  [ -n "$libs" ] && { export LD_LIBRARY_PATH="$libs:${LD_LIBRARY_PATH:-}"; echo "CUDA libraries from $py's nvidia wheels"; break; }
done

say "3. onnx-lenet doctor"
"${CLI[@]}" doctor | tee "$OUT/doctor.txt"
"${CLI[@]}" doctor --json > "$OUT/doctor.json"
usable() { "$NODE" -e 'const r=require(process.argv[1]);process.exit(r.providers.find(p=>p.ep===process.argv[2]).usable?0:1)' "$OUT/doctor.json" "$1"; }
HAVE_TRAIN=1; "${CLI[@]}" train --help >/dev/null 2>&1 || HAVE_TRAIN=0
[ $HAVE_TRAIN = 1 ] && echo "train command: present" || echo "train command: MISSING (steps 4-5 need it)"
HAVE_METRICS=0; "${CLI[@]}" train --help 2>/dev/null | grep -q -- '--json-metrics' && HAVE_METRICS=1
[ $HAVE_METRICS = 1 ] || echo "train has no --json-metrics yet: per-step losses and times cannot be read (steps 4-5 report that)"

printf '| %-28s | %-10s | %-6s | %s |\n|---|---|---|---|\n' "check" "provider" "batch" "result" > "$TABLE"
train() { # train <ep> <batch> <tag> [extra args...]
  local ep="$1" batch="$2" tag="$3"; shift 3
  local metrics=(); [ $HAVE_METRICS = 1 ] && metrics=(--json-metrics "$OUT/$tag.json")
  timeout 150 "${CLI[@]}" train --ep "$ep" --batch-size "$batch" --lr 0.001 --seed 1 --dataset mnist-sample \
    --out "$OUT/$tag" "${metrics[@]}" "$@" > "$OUT/$tag.log" 2>&1
}
if [ $DRY = 1 ]; then
  say "dry run: stopping before the GPU steps; they would run:"
  echo "  train --ep webgpu|cpu --epochs 1 --batch-size 64 → compare first 20 losses (rel 1e-3)"
  echo "  train --ep webgpu|cuda --max-steps $STEPS --batch-size 64|1024 → ms/step"
  echo "  PyTorch LeNet on cuda, batch 64|1024 (if torch.cuda.is_available())"
  exit 0
fi
[ $HAVE_TRAIN = 1 ] || { echo "gpu-check: onnx-lenet train is missing from this build" >&2; exit 1; }

say "4. one epoch of mnist-sample, webgpu vs cpu"
train webgpu 64 epoch-webgpu --epochs 1 || echo "webgpu epoch failed: see $OUT/epoch-webgpu.log"
train cpu 64 epoch-cpu --epochs 1 --max-steps 20 || echo "cpu run failed: see $OUT/epoch-cpu.log"
row "first 20 losses webgpu vs cpu" "webgpu" "64" "$("$NODE" "$ROOT/tools/gpu-metrics.mjs" compare "$OUT/epoch-webgpu.json" "$OUT/epoch-cpu.json" 20 1e-3 2>&1)"

say "5. train-step timings ($STEPS steps)"
for ep in webgpu cuda; do
  usable "$ep" || { row "train step" "$ep" "-" "not usable: $(grep -m1 "$ep" "$OUT/doctor.txt" | cut -c13-)"; continue; }
  for batch in 64 1024; do
    if train "$ep" "$batch" "time-$ep-$batch" --epochs 1 --max-steps "$STEPS"; then
      row "train step (ONNX Runtime)" "$ep" "$batch" "$("$NODE" "$ROOT/tools/gpu-metrics.mjs" ms "$OUT/time-$ep-$batch.json")"
    else row "train step (ONNX Runtime)" "$ep" "$batch" "failed: see time-$ep-$batch.log"; fi
  done
done
if /usr/bin/env python3 -c 'import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  for batch in 64 1024; do
    row "train step (PyTorch $(python3 -c 'import torch;print(torch.__version__)'))" "cuda" "$batch" \
      "$(timeout 120 python3 "$ROOT/tools/gpu-torch-step.py" "$batch" "$STEPS" 2>&1 | tail -1)"
  done
else row "train step (PyTorch)" "cuda" "-" "torch with CUDA not available"; fi

say "6. results"
cat "$TABLE"
