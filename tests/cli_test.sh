#!/usr/bin/env bash
# CLI tests: exit codes and messages of the real pdsafe binary.
#   cli_test.sh PDSAFE NPYCMP FIXTURES_DIR
set -u
bin=$1; cmp=$2; fx=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
# expect NAME EXIT_CODE PATTERN -- command...
expect() {
  local name=$1 code=$2 pat=$3; shift 4
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -eq "$code" ] && grep -qE -- "$pat" <<<"$out"; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name: exit $rc (want $code), output:"; echo "$out" | head -20
  fi
}
m=$fx/pplcnet/inference.pdmodel
python_free_int64() { # writes an int64 .npy with the model's input shape, no Python needed
  printf '\x93NUMPY\x01\x00\x76\x00'; printf "%-117s\n" "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 3, 64, 64), }"
  head -c $((1*3*64*64*8)) /dev/zero
}
expect "no arguments: usage, exit 2" 2 "usage:" -- "$bin"
expect "unknown command" 2 "unknown command 'frobnicate'" -- "$bin" frobnicate
expect "version" 0 "^pdsafe [0-9]+\.[0-9]+\.[0-9]+" -- "$bin" version
expect "info on a fixture" 0 "operators: +[0-9]+" -- "$bin" info "$m"
expect "info lists inputs and params" 0 "parameters: [0-9]+ tensors" -- "$bin" info "$m"
expect "info on a missing file" 1 "could not load model .*/nonexistent.pdmodel" -- "$bin" info "$tmp/nonexistent.pdmodel"
expect "info on a directory without a model" 1 "could not load model" -- "$bin" info "$tmp"
expect "info with too many arguments" 2 "expected MODEL" -- "$bin" info a b c
expect "run without inputs" 2 "the model has 1 input, 0 --input given" -- "$bin" run "$m"
expect "run with a malformed --input" 2 "expected NAME=FILE.npy" -- "$bin" run "$m" --input nofile
expect "run with an unknown input name" 2 "no input named 'bogus'" -- "$bin" run "$m" --input bogus="$fx/pplcnet/case0.in0.npy"
expect "run with a missing .npy" 1 "could not open" -- "$bin" run "$m" --input 0="$tmp/missing.npy"
echo "not numpy" > "$tmp/bad.npy"
expect "run with a corrupt .npy" 1 "not an .npy file" -- "$bin" run "$m" --input 0="$tmp/bad.npy"
python_free_int64 > "$tmp/int64.npy"
expect "run with the wrong dtype" 1 "PDS_ERR_DTYPE: input 0 .* is int64, the model expects float32" -- "$bin" run "$m" --input 0="$tmp/int64.npy"
expect "run with an unknown option" 2 "unknown option --frob" -- "$bin" run "$m" --frob
expect "run writes outputs" 0 "written to $tmp/out/0_" -- "$bin" run "$m" --input 0="$fx/pplcnet/case0.in0.npy" --output-dir "$tmp/out"
expect "outputs match Paddle" 0 "MATCH" -- "$cmp" "$tmp"/out/0_*.npy "$fx/pplcnet/case0.out0.npy"
expect "run on the dynamic detector" 0 "output 0: .* float32 \[1, 1, 64, 64\]" -- "$bin" run "$fx/db_det/inference.pdmodel" --input x="$fx/db_det/case0.in0.npy"
expect "bench reports percentiles" 0 "latency ms: +p50 [0-9.]+ +p90 [0-9.]+ +p99" -- "$bin" bench "$m" --iters 2 --warmup 1 --quiet
expect "bench with the reference kernels" 0 "reference" -- "$bin" bench "$m" --iters 2 --warmup 1 --quiet --reference
expect "bench on a PIR program finds X.pdiparams" 0 "plan: +[0-9]+ steps" -- "$bin" bench "$fx/pplcnet/inference.json" --iters 2 --warmup 1 --quiet
expect "profile on a model directory" 0 "conv2d" -- "$bin" profile "$fx/pplcnet" --iters 2
expect "bench measures extra predictors" 0 "each extra predictor on the model: \+[0-9.]+ MiB RSS \(mean of 2; its arena [0-9.]+ MiB\)" -- "$bin" bench "$m" --iters 2 --warmup 1 --quiet --extra-predictors 2
expect "bench JSON has the extra predictor cost" 0 '"extra_predictor_kb": [0-9]' -- "$bin" bench "$m" --iters 2 --warmup 1 --quiet --extra-predictors 1 --json -
expect "bench refuses a negative predictor count" 2 "extra-predictors" -- "$bin" bench "$m" --extra-predictors -1
expect "profile writes a Chrome trace" 0 "conv2d" -- "$bin" profile "$fx/db_det/inference.pdmodel" --shape x=1x3x64x64 --iters 2 --trace "$tmp/trace.json"
expect "the trace is JSON with events" 0 "traceEvents" -- head -c 200 "$tmp/trace.json"
expect "profile needs a shape for dynamic dims" 2 "dynamic dim" -- "$bin" profile "$fx/db_det/inference.pdmodel" --iters 1
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
