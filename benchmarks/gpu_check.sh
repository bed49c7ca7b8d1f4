#!/usr/bin/env bash
# The issue-6 GPU figures in one run, for a machine with a CUDA GPU and a CUDA build of torch.
#
#   OUT=/some/folder bash benchmarks/gpu_check.sh
#
# Uses the python3 that holds CUDA torch (override with PYTHON=...), runs the package from this
# checkout without installing it, and writes one log per step into $OUT (default: ./gpu_check_out):
#   env.txt          device, bf16 support, whether torch.compile works
#   fusion.txt       eager vs compiled on the four memory-bound cases, against copy bandwidth
#   train_tiny.txt   the tiny GPT (1.3M parameters): eager fp32 vs compiled + bf16
#   train_124m.txt   a GPT-2-small-sized model (~124M): the target's speedup and MFU (`mfu_best`)
# Each log ends with the command's JSON line; copy the figures into benchmarks/RESULTS.md.
# Not yet run on a GPU (no device was lent so far). Each step has its own time limit: under 10 minutes in all, one device command.
set -u
PYTHON=${PYTHON:-python3}
OUT=${OUT:-gpu_check_out}
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
export TORCHINDUCTOR_CACHE_DIR=${TORCHINDUCTOR_CACHE_DIR:-/tmp/cs229llm-inductor}

run() {  # run NAME SECONDS ARGS...: one step, its log in $OUT/NAME.txt, a failure reported but not fatal
    local name=$1 seconds=$2
    shift 2
    echo "== $name: $*"
    timeout "$seconds" "$PYTHON" -m cs229llm "$@" >"$OUT/$name.txt" 2>&1
    local code=$?
    tail -n 3 "$OUT/$name.txt"
    [ "$code" -eq 0 ] || echo "   ($name exited $code; see $OUT/$name.txt)"
}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >"$OUT/gpu.txt" 2>&1
cat "$OUT/gpu.txt"
run env 60 env
run fusion 120 bench fusion --device cuda --elements 67108864
run train_tiny 120 bench train --device cuda --steps 20
run train_124m 280 bench train --device cuda --layers 12 --width 768 --heads 12 --vocab 50304 \
    --seq-len 1024 --batch-size 8 --steps 10
