#!/usr/bin/env bash
# CLI tests: exit codes and messages of the real pdsafe binary.
#   cli_test.sh PDSAFE NPYCMP FIXTURES_DIR [onednn=ON|onednn=OFF]
# The last argument says whether the library was built with oneDNN (CMake's
# PDSAFE_HAVE_ONEDNN), for what `pdsafe version` must print.
set -u
bin=$1; cmp=$2; fx=$3; onednn=${4:-onednn=}
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
# expect_streams NAME EXIT_CODE STDOUT_PATTERN STDERR_PATTERN -- command...
# Like expect, with stdout and stderr checked apart; the pattern "^$" means
# the stream must be empty.
expect_streams() {
  local name=$1 code=$2 opat=$3 epat=$4; shift 5
  local rc ok=1
  "$@" >"$tmp/stdout" 2>"$tmp/stderr"; rc=$?
  [ "$rc" -eq "$code" ] || ok=0
  if [ "$opat" = "^$" ]; then [ ! -s "$tmp/stdout" ] || ok=0
  else grep -qE -- "$opat" "$tmp/stdout" || ok=0; fi
  if [ "$epat" = "^$" ]; then [ ! -s "$tmp/stderr" ] || ok=0
  else grep -qE -- "$epat" "$tmp/stderr" || ok=0; fi
  if [ "$ok" -eq 1 ]; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name: exit $rc (want $code)"
    echo "stdout:"; head -20 "$tmp/stdout"; echo "stderr:"; head -20 "$tmp/stderr"
  fi
}
m=$fx/pplcnet/inference.pdmodel
in0=$fx/pplcnet/case0.in0.npy
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
un=$(dirname "$fx")/unsupported_ops
expect "info lists every unsupported operator (legacy)" 1 "4 operator types are not supported: lgamma \(2, first at op 2\), pixel_unshuffle \(1, op 3\), kthvalue \(1, op 5\), mode \(1, op 6\)" -- "$bin" info "$un/inference.pdmodel"
expect "info lists every unsupported operator (PIR)" 1 "pd_op.lgamma \(2, first at op 2\).*pd_op.mode \(1, op 6\)" -- "$bin" info "$un/inference.json"
expect "info with too many arguments" 2 "unexpected argument c" -- "$bin" info a b c
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
expect "profile finds the parameters" 0 "conv2d" -- "$bin" profile "$fx/pplcnet/inference.pdmodel" --iters 2
expect "a directory with both formats is refused" 1 "pass the program file you mean" -- "$bin" info "$fx/pplcnet"
expect "bench measures extra predictors" 0 "each extra predictor on the model: \+[0-9.]+ MiB RSS \(mean of 2; its arena [0-9.]+ MiB\)" -- "$bin" bench "$m" --iters 2 --warmup 1 --quiet --extra-predictors 2
expect "bench JSON has the extra predictor cost" 0 '"extra_predictor_kb": [0-9]' -- "$bin" bench "$m" --iters 2 --warmup 1 --quiet --extra-predictors 1 --json -
expect "bench refuses a negative predictor count" 2 "extra-predictors" -- "$bin" bench "$m" --extra-predictors -1
expect "profile writes a Chrome trace" 0 "conv2d" -- "$bin" profile "$fx/db_det/inference.pdmodel" --shape x=1x3x64x64 --iters 2 --trace "$tmp/trace.json"
expect "the trace is JSON with events" 0 "traceEvents" -- head -c 200 "$tmp/trace.json"
expect "profile needs a shape for dynamic dims" 2 "dynamic dim" -- "$bin" profile "$fx/db_det/inference.pdmodel" --iters 1

# --- One argument convention for every command: --help and -h print the
# command's usage to stdout and exit 0; an unknown option prints what was
# wrong and the usage line to stderr and exits 2.
for c in info run bench profile ops version help; do
  expect_streams "$c --help: usage on stdout, exit 0" 0 "^usage: pdsafe $c" "^$" -- "$bin" "$c" --help
  expect_streams "$c -h: usage on stdout, exit 0" 0 "^usage: pdsafe $c" "^$" -- "$bin" "$c" -h
  expect_streams "help $c: the same usage" 0 "^usage: pdsafe $c" "^$" -- "$bin" help "$c"
  "$bin" "$c" --help >"$tmp/a.txt"; "$bin" help "$c" >"$tmp/b.txt"
  expect "help $c prints exactly what $c --help prints" 0 "" -- cmp "$tmp/a.txt" "$tmp/b.txt"
  expect_streams "$c --bogus: exit 2, the usage line on stderr" 2 "^$" \
    "pdsafe $c: unknown option --bogus" -- "$bin" "$c" --bogus
  expect_streams "$c --bogus names the usage" 2 "^$" "^usage: pdsafe $c" -- "$bin" "$c" --bogus
done
expect_streams "pdsafe --help: the command list on stdout" 0 "pdsafe profile MODEL" "^$" -- "$bin" --help
expect_streams "pdsafe -h" 0 "pdsafe bench MODEL" "^$" -- "$bin" -h
expect_streams "pdsafe help" 0 "pdsafe version" "^$" -- "$bin" help
expect_streams "pdsafe help lists ops" 0 "pdsafe ops \[--json \| --markdown\]" "^$" -- "$bin" help
expect_streams "ops: a table by family" 0 "^activation \([0-9]+\)$" "^$" -- "$bin" ops
expect_streams "ops lists erf with its PIR name" 0 "formats: legacy, PIR pd_op.erf" "^$" -- "$bin" ops
expect_streams "ops --json: one array" 0 '^  \{"name": "conv2d", "id": 0, "family": "conv",$' "^$" -- "$bin" ops --json
expect_streams "ops --json marks internal operators" 0 '"name": "pdsafe_conv"' "^$" -- "$bin" ops --json
expect_streams "ops --markdown: the operator reference" 0 "^# Operators$" "^$" -- "$bin" ops --markdown
expect_streams "ops --json --markdown: exit 2" 2 "^$" "--json and --markdown exclude each other" -- "$bin" ops --json --markdown
expect_streams "ops with an argument: exit 2" 2 "^$" "pdsafe ops: unexpected argument x" -- "$bin" ops x
expect_streams "pdsafe --bogus" 2 "^$" "unknown option '--bogus'" -- "$bin" --bogus
expect_streams "help on an unknown command" 2 "^$" "unknown command 'frob'" -- "$bin" help frob
expect_streams "help with two commands" 2 "^$" "unexpected argument info" -- "$bin" help run info
for c in info run bench profile; do
  expect_streams "$c without MODEL: exit 2" 2 "^$" "pdsafe $c: missing MODEL" -- "$bin" "$c"
  expect_streams "$c with a third argument: exit 2" 2 "^$" "unexpected argument z" -- "$bin" "$c" x y z
done
expect_streams "version with an argument: exit 2" 2 "^$" "unexpected argument now" -- "$bin" version now
expect_streams "an option without its value: exit 2" 2 "^$" "--iters needs a value" -- "$bin" bench "$m" --iters
expect_streams "run --input without its value: exit 2" 2 "^$" "--input needs a value" -- "$bin" run "$m" --input
expect_streams "a bad number: exit 2" 2 "^$" "--threads x: expected an integer from 1 to 1024" -- "$bin" profile "$m" --threads x
expect_streams "a bad --shape before loading: exit 2" 2 "^$" "--shape x: expected NAME=DxDx" -- "$bin" bench "$tmp/nonexistent.pdmodel" --shape x
expect "an input given twice: exit 2" 2 "input '0' is given twice" -- "$bin" bench "$m" --input x="$in0" --input 0="$in0"
expect_streams "run with too many inputs lists the model's on stderr" 2 "^$" "^    input 0: x +float32 +\[-1, 3, 64, 64\]" -- "$bin" run "$m" --input x="$in0" --input 0="$in0"

# --- .npy files are read from start to end without seeking: a FIFO and bash's
# <(...) work like files; a directory or an unreadable path says so.
mkfifo "$tmp/fifo"
(cat "$in0" >"$tmp/fifo") &
expect "run reads its input from a FIFO" 0 "output 0 written to $tmp/fifo-out/0_" -- timeout 120 "$bin" run "$m" --input 0="$tmp/fifo" --output-dir "$tmp/fifo-out"
wait
expect "the FIFO's outputs match Paddle" 0 "MATCH" -- "$cmp" "$tmp"/fifo-out/0_*.npy "$fx/pplcnet/case0.out0.npy"
expect "run reads its input from <(cat FILE)" 0 "output 0 written to $tmp/procsub-out/0_" -- "$bin" run "$m" --input 0=<(cat "$in0") --output-dir "$tmp/procsub-out"
expect "the process substitution's outputs match Paddle" 0 "MATCH" -- "$cmp" "$tmp"/procsub-out/0_*.npy "$fx/pplcnet/case0.out0.npy"
expect "bench reads its input from <(cat FILE)" 0 "latency ms:" -- "$bin" bench "$m" --input 0=<(cat "$in0") --iters 1 --warmup 0 --quiet
expect "a stream cut short" 1 "input '0': .*: data is 1000 bytes, the shape needs 49152" -- "$bin" run "$m" --input 0=<(head -c 1128 "$in0")
expect "an empty stream" 1 "not an .npy file" -- "$bin" run "$m" --input 0=<(true)
expect "a regular file cut short" 1 "data is 1000 bytes, the shape needs 12288 x 4" -- bash -c "head -c 1128 '$in0' >'$tmp/short.npy' && '$bin' run '$m' --input 0='$tmp/short.npy'"
expect "an input that is a directory" 1 "input '0': $tmp is a directory, expected an .npy file" -- "$bin" run "$m" --input 0="$tmp"
expect "an input path through a file" 1 "could not open $tmp/bad.npy/x.npy: Not a directory" -- "$bin" run "$m" --input 0="$tmp/bad.npy/x.npy"

# --- --output-dir: missing parents are created; run and bench name the files
# by one rule; a directory that cannot be made fails before the model loads.
expect "run creates --output-dir with its parents" 0 "written to $tmp/deep/a/b/0_softmax_0.tmp_0.npy" -- "$bin" run "$m" --input 0="$in0" --output-dir "$tmp/deep/a/b"
expect "bench creates --output-dir with its parents" 0 "written to $tmp/deep2/c/d/0_softmax_0.tmp_0.npy" -- "$bin" bench "$m" --input 0="$in0" --iters 1 --warmup 0 --quiet --output-dir "$tmp/deep2/c/d"
expect "run and bench name output files alike" 0 "" -- diff <(ls "$tmp/deep/a/b") <(ls "$tmp/deep2/c/d")
expect "bench's output matches Paddle" 0 "MATCH" -- "$cmp" "$tmp/deep2/c/d/0_softmax_0.tmp_0.npy" "$fx/pplcnet/case0.out0.npy"
expect "run: an output dir under a file fails before loading" 1 "could not create output directory $tmp/bad.npy/sub: $tmp/bad.npy exists and is not a directory" -- "$bin" run "$tmp/nonexistent.pdmodel" --input 0="$in0" --output-dir "$tmp/bad.npy/sub"
expect "bench: an output dir under a file fails before loading" 1 "could not create output directory" -- "$bin" bench "$tmp/nonexistent.pdmodel" --output-dir "$tmp/bad.npy/sub"

# --- profile --trace and bench --json: their files are made before the model
# loads (a nonexistent model proves it: the path's error comes first).
expect "profile checks --trace before loading" 1 "could not create the trace file $tmp/no/such/t.json: No such file" -- "$bin" profile "$tmp/nonexistent.pdmodel" --trace "$tmp/no/such/t.json"
expect "bench checks --json before loading" 1 "could not create the JSON file $tmp/no/such/b.json" -- "$bin" bench "$tmp/nonexistent.pdmodel" --json "$tmp/no/such/b.json"

# --- bench --json -: stdout is the JSON alone; the report goes to stderr.
expect_streams "bench --json -: JSON on stdout, the report on stderr" 0 '^\{"model": ".*"extra_predictor_kb": -?[0-9.]+, "runs_one_thread": [0-9]+, "int8_steps": [0-9]+\}$' "latency ms: +p50" -- "$bin" bench "$m" --iters 2 --warmup 1 --quiet --json - --output-dir "$tmp/json-out"
expect "bench --json -: stdout is one line" 0 "^1$" -- bash -c "wc -l <'$tmp/stdout'"
if command -v python3 >/dev/null; then
  expect "bench --json -: stdout parses as JSON" 0 "^runs 2$" -- bash -c "python3 -c 'import json,sys; print(\"runs\", json.load(sys.stdin)[\"runs\"])' <'$tmp/stdout'"
fi
expect "bench --json FILE: the file parses alone" 0 '^\{"model": ' -- bash -c "'$bin' bench '$m' --iters 1 --warmup 0 --quiet --json '$tmp/b.json' >/dev/null && cat '$tmp/b.json'"

# --- tracing: PDSAFE_TRACE writes the process's timeline at exit, and
# `trace summarize` reads it; a hand-written Go trace (tests/data/trace) has
# known overlaps, totals and a live object.
expect "PDSAFE_TRACE: the run still works" 0 "output 0:" -- env PDSAFE_TRACE="$tmp/run-trace.json" "$bin" run "$m" --input 0="$in0"
expect "PDSAFE_TRACE: the file has the run's calls" 0 '"name":"pds_predictor_run".*"status":"PDS_(OK|ERR_BUFFER_SIZE)"' -- cat "$tmp/run-trace.json"
expect "PDSAFE_TRACE: and its steps" 0 '"cat":"op","name":"conv2d' -- cat "$tmp/run-trace.json"
expect "PDSAFE_TRACE: an uncreatable file fails the load" 1 "PDSAFE_TRACE names '$tmp/no/such/t.json', which could not be created" -- env PDSAFE_TRACE="$tmp/no/such/t.json" "$bin" run "$m" --input 0="$in0"
expect "trace summarize: a C-only trace has no GC track" 0 "no Go GC track in this trace" -- "$bin" trace summarize "$tmp/run-trace.json"
expect "trace summarize: every object made was destroyed" 0 "objects alive at the end: 0 \(of 2 made during the trace\)" -- "$bin" trace summarize "$tmp/run-trace.json"
expect "trace summarize: operators of the run" 0 "conv2d[^ ]* +[a-z]+[^ ]* +[0-9]+ +[0-9.]+" -- "$bin" trace summarize "$tmp/run-trace.json"
gt=$fx/../data/trace/go_gc.json
expect "trace summarize: GC overlaps counted from the GC tracks" 0 "C calls overlapping a GC phase: 2 of 5 \(2 GC phases and pauses\)" -- "$bin" trace summarize "$gt"
expect "trace summarize: the overlapped phases are named" 0 "during: GC 1 mark phase; stop-the-world \(GC mark termination\)" -- "$bin" trace summarize "$gt"
expect "trace summarize: slowest call first" 0 "slowest calls \(5 calls\):.*(\n|.)*1\.600 +2\.500  pds_predictor_run_v2 +101 +8  ERR_CANCELLED" -- bash -c "'$bin' trace summarize '$gt' | tr '\n' ' '"
expect "trace summarize: op totals" 0 "conv2d +ref +2 +0\.400 +200\.0 +88\.9%" -- "$bin" trace summarize "$gt"
expect "trace summarize: tracks and drops" 0 "tracks \(4; 3 events dropped\)" -- "$bin" trace summarize "$gt"
expect "trace summarize: the model was never destroyed" 0 "0x0100000001000000 +model +pds_model_load_files +0\.000 +101" -- "$bin" trace summarize "$gt"
expect "trace summarize: --top 1" 0 "\.\.\. 1 more" -- "$bin" trace summarize "$gt" --top 1
expect "trace without a subcommand" 2 "missing subcommand" -- "$bin" trace
expect "trace summarize without FILE" 2 "missing FILE" -- "$bin" trace summarize
expect "trace with an unknown subcommand" 2 "unknown subcommand 'show'" -- "$bin" trace show x
expect "trace summarize on a missing file" 1 "could not read $tmp/none.json" -- "$bin" trace summarize "$tmp/none.json"
echo '{"runs": 3}' >"$tmp/not-trace.json"
expect "trace summarize on JSON that is no trace" 1 "not a Chrome trace-event file" -- "$bin" trace summarize "$tmp/not-trace.json"

# --- --precision: fp32 or bf16, nothing else; bf16 never on the reference kernels.
expect_streams "run --precision with an unknown precision" 2 "^$" "pdsafe run: --precision fp16: expected fp32 or bf16" -- "$bin" run "$m" --precision fp16 -i 0="$fx/pplcnet/case0.in0.npy"
expect_streams "bench --precision with an unknown precision" 2 "^$" "pdsafe bench: --precision bf: expected fp32 or bf16" -- "$bin" bench "$m" --precision bf --iters 1
expect "run --precision fp32 is the default" 0 "output 0: " -- "$bin" run "$m" --precision fp32 -i 0="$fx/pplcnet/case0.in0.npy"
expect "bench --reference --precision bf16 is refused" 1 "could not load model .*precision bf16: no backend of this model runs bf16" -- "$bin" bench "$m" --reference --precision bf16 --iters 1 --quiet

# --- version: the library, its ABI, and what it was built with.
abi=$(sed -n 's/^#define PDS_ABI_VERSION \([0-9]*\).*/\1/p' "$fx/../../include/pdsafe.h")
expect "version prints the ABI version of the header" 0 "^ABI version: $abi$" -- "$bin" version
expect "--version is version" 0 "^built with: " -- "$bin" --version
case $onednn in
  onednn=ON)
    expect "version names oneDNN's version" 0 "^built with: onednn [0-9]+\.[0-9]+\.[0-9]+$" -- "$bin" version
    expect "and the bench runs on oneDNN" 0 "kernels: +onednn backend" -- "$bin" bench "$m" --iters 1 --warmup 0 --quiet
    qc="$fx/quant_conv/inference.pdmodel"
    # QDQ convolutions: --no-int8 runs them as float32 fake quantisation
    # (whether the default runs int8 depends on the CPU: test_int8 checks that).
    expect "bench --no-int8: no int8 steps" 0 "^plan: +[0-9]+ steps, [0-9]+ on [a-z]+ \\(0 int8\\)" -- "$bin" bench "$qc" --iters 2 --warmup 1 --quiet --no-int8
    expect "bench: the plan line counts int8 steps" 0 "^plan: +[0-9]+ steps, [0-9]+ on [a-z]+ \\([0-9]+ int8\\)" -- "$bin" bench "$qc" --iters 2 --warmup 1 --quiet ;;
  onednn=OFF)
    expect "version says reference kernels only" 0 "^built with: reference kernels only$" -- "$bin" version
    expect "and the bench runs on the reference kernels" 0 "kernels: +ref backend \(reference kernels\)" -- "$bin" bench "$m" --iters 1 --warmup 0 --quiet ;;
  *)
    failed=$((failed + 1)); echo "FAIL the fourth argument must be onednn=ON or onednn=OFF, got '$onednn'" ;;
esac
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
