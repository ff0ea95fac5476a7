#!/usr/bin/env bash
# GPU check: one prepared script for a machine with an NVIDIA GPU and no internet.
#
#   bash bench/gpu-check.sh            # full check (lastfm-360k-shaped set, k=128, 15 iterations), < 6 min
#   bash bench/gpu-check.sh --small    # tiny sizes: proves the script end to end on a CPU / software adapter
#   extra flags go to bench/gpu-check.ts: --backend tensorflow|webgpu, --budget-s S, --chunk N
#
# It needs only what `npm ci` brought (node_modules in this tree) plus, for WebGPU on NVIDIA, the Vulkan
# loader libvulkan.so.1 and the driver's Vulkan ICD. Without internet, carry Debian's libvulkan1 beforehand:
#     (on a Debian/Ubuntu machine with access)  mkdir -p bench/debs && (cd bench/debs && apt-get download libvulkan1)
# This script installs bench/debs/*.deb when libvulkan.so.1 is missing (dpkg as root, else, or with
# GPU_CHECK_NO_DPKG=1, unpacked under bench/out/debroot and put on LD_LIBRARY_PATH).
# If the driver's ICD JSON is absent but its Vulkan library (libGLX_nvidia.so.0) is present, it writes one.
#
# It prints the backend and device found, checks results against the CPU path (wasm), times training,
# and ends with a line `GPU-CHECK {json}`. Exit: 0 ok, 3 no GPU backend, 4 results disagree, 5 too slow to
# finish one iteration, 124 hard timeout.
set -uo pipefail
cd "$(dirname "$0")/.."
LIMIT_S=${GPU_CHECK_LIMIT_S:-345}     # hard stop for everything (the brief: finish within 6 minutes)
START=$SECONDS
note() { echo "[gpu-check] $*"; }
note "$(date -u +%FT%TZ) $(uname -srm) node $(node --version 2>/dev/null || echo missing)"

if [ ! -d node_modules/@tensorflow/tfjs-core ] || [ ! -x node_modules/.bin/tsx ]; then
  if [ -f bench/out/gpu-node-modules.tgz ]; then
    note "node_modules missing: unpacking bench/out/gpu-node-modules.tgz"
    tar -xzf bench/out/gpu-node-modules.tgz
  else
    note "node_modules missing: run 'npm ci' (online) first, or carry bench/out/gpu-node-modules.tgz (bash bench/gpu-pack.sh)"
    exit 2
  fi
fi

# --- GPU and driver -----------------------------------------------------------------------------------
if command -v nvidia-smi >/dev/null 2>&1; then
  note "nvidia-smi: $(nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>&1 | head -4 | tr '\n' ';')"
else
  note "nvidia-smi not found (no NVIDIA driver utilities on PATH)"
fi

# --- Vulkan loader for WebGPU (Dawn dlopens libvulkan.so.1) -------------------------------------------
ldcache="$(ldconfig -p 2>/dev/null || true)"
libdirs="$(printf '%s\n' "$ldcache" | awk '/=>/{print $NF}' | xargs -r -n1 dirname | sort -u)"
if ! grep -q 'libvulkan\.so\.1 ' <<<"$ldcache"; then
  if compgen -G 'bench/debs/*.deb' >/dev/null; then
    if [ "$(id -u)" = 0 ] && [ -z "${GPU_CHECK_NO_DPKG:-}" ] && command -v dpkg >/dev/null; then
      note "installing carried packages: $(ls bench/debs/*.deb | xargs -n1 basename | tr '\n' ' ')"
      dpkg -i bench/debs/*.deb >/dev/null 2>&1 || note "dpkg -i failed; unpacking locally instead"
    fi
    if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then
      mkdir -p bench/out/debroot
      for d in bench/debs/*.deb; do dpkg-deb -x "$d" bench/out/debroot; done
      for d in bench/out/debroot/usr/lib/*-linux-gnu bench/out/debroot/usr/lib; do
        [ -d "$d" ] && export LD_LIBRARY_PATH="$PWD/$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      done
      note "libvulkan unpacked locally; LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
    fi
  else
    note "libvulkan.so.1 not found and no bench/debs/*.deb carried: WebGPU cannot reach the GPU (tfjs-node-gpu still can)"
  fi
fi

# --- NVIDIA Vulkan ICD ----------------------------------------------------------------------------------
icd="$(grep -ls nvidia /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json 2>/dev/null | head -1)"
if [ -n "$icd" ]; then
  note "Vulkan ICD: $icd"
elif [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ]; then
  glx=""
  for d in $libdirs /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
    [ -e "$d/libGLX_nvidia.so.0" ] && { glx="$d/libGLX_nvidia.so.0"; break; }
  done
  if [ -n "$glx" ]; then
    mkdir -p bench/out
    printf '{"file_format_version":"1.0.1","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$glx" >bench/out/nvidia_icd.json
    export VK_ICD_FILENAMES="$PWD/bench/out/nvidia_icd.json" VK_DRIVER_FILES="$PWD/bench/out/nvidia_icd.json"
    note "no NVIDIA ICD JSON installed; wrote bench/out/nvidia_icd.json -> $glx"
  elif [ -e /dev/nvidiactl ]; then
    note "NVIDIA device present but no Vulkan driver (libGLX_nvidia.so.0): a compute-only driver install; WebGPU unavailable." \
      "In containers set NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics"
  fi
fi

# --- run --------------------------------------------------------------------------------------------------
export TF_FORCE_GPU_ALLOW_GROWTH=${TF_FORCE_GPU_ALLOW_GROWTH:-true}
export CUDA_CACHE_MAXSIZE=${CUDA_CACHE_MAXSIZE:-4294967296}   # Hopper JIT-compiles TF's kernels from PTX once
export EGL_PLATFORM=${EGL_PLATFORM:-surfaceless}
remaining=$((LIMIT_S - (SECONDS - START)))
budget=$((remaining - 15))
note "running bench/gpu-check.ts (hard limit ${remaining} s, training budget inside ${budget} s)"
timeout -k 10 "$remaining" node --max-old-space-size=8192 node_modules/.bin/tsx bench/gpu-check.ts --budget-s "$budget" "$@"
rc=$?
[ "$rc" = 124 ] && note "hard timeout after ${remaining} s"
note "exit $rc after $((SECONDS - START)) s"
exit "$rc"
