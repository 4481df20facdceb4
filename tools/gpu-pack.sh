#!/usr/bin/env bash
# Packs what tools/gpu-check.sh needs on a GPU machine without network or Node.js into one .tar.xz
# (about 43 MB; measured 42.7 MB on 2026-11-26 with Node 20.20.2 and onnxruntime-node 1.30.0):
# the node binary (as .gpu-pack/node), Debian's libvulkan1 .deb, the compiled project (bin/, dist/) and the
# production node_modules, minus onnxruntime-web and onnxruntime-node's non-linux-x64 binaries.
# Usage: npm run build && tools/gpu-pack.sh [out.tar.xz]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"; cd "$ROOT"
OUTFILE="${1:-$ROOT/../onnx-lenet-gpu.tar.xz}"
[ -f dist/src/cli/index.js ] || { echo "gpu-pack: run npm run build first" >&2; exit 1; }
mkdir -p .gpu-pack
cp "$(command -v node)" .gpu-pack/node
ls .gpu-pack/libvulkan1_*.deb >/dev/null 2>&1 || (cd .gpu-pack && apt-get download libvulkan1)
mapfile -t MODS < <(npm ls --omit=dev --all --parseable 2>/dev/null | sed "s|^$ROOT/||" | grep '^node_modules/' | grep -v 'onnxruntime-web' | sort -u)
tar -cf - --exclude='node_modules/onnxruntime-node/bin/napi-v6/win32' --exclude='node_modules/onnxruntime-node/bin/napi-v6/darwin' \
  --exclude='node_modules/onnxruntime-node/bin/napi-v6/linux/arm64' \
  .gpu-pack bin dist package.json tools "${MODS[@]}" $( [ -d models ] && echo models ) | xz -T0 -6 > "$OUTFILE"
echo "wrote $OUTFILE ($(du -h "$OUTFILE" | cut -f1)); on the GPU machine: mkdir onnx-lenet && tar -xJf $(basename "$OUTFILE") -C onnx-lenet && onnx-lenet/tools/gpu-check.sh"
