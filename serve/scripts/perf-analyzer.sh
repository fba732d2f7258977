#!/usr/bin/env bash
# perf-analyzer.sh — Triton's perf_analyzer against pdsafe-serve, on this machine.
#
#   bash serve/scripts/perf-analyzer.sh [options] MODEL
#
# MODEL is a model directory or program file (as pdsafe-serve's repository
# holds it: a legacy inference.pdmodel + inference.pdiparams, or a PIR
# inference.json + inference.pdiparams) whose inputs are all batched along
# their first dimension. The script writes a repository with two copies of it,
# `plain` and `batched` (dynamic_batching), starts build/pdsafe-serve on
# 127.0.0.1 with free ports, and runs perf_analyzer against each copy over
# REST (binary tensors, perf_analyzer's default) and gRPC, at each concurrency,
# each point in a time-bounded measurement. Before the server starts it
# measures the library's own run with `build/pdsafe bench` (1 intra-op thread,
# as the server's instances run): p50 at 1 caller and runs/s with one caller
# per instance — the ceiling the server's throughput is read against.
#
# Options:
#   --concurrency "1 2 4 8 16 32 64"   client concurrencies
#   --interval-ms 2000                 perf_analyzer's measurement window
#   --instances 2                      instance_group count (predictors)
#   --max-batch 16                     max_batch_size
#   --delay-us 0                       max_queue_delay_microseconds (batched)
#   --protocols "http grpc"
#   --csv FILE                         also write every point as CSV
#   --setup-only                       install perf_analyzer and stop
#
# perf_analyzer comes from PyPI (`perf-analyzer`), whose binaries need glibc
# 2.38 and libstdc++ 3.4.32; Debian 12 has 2.36 and 3.4.30. So the script
# fetches Debian 13's libc6, libstdc++6 and libgcc-s1 with apt-get (a private
# package list under the cache; the system's apt state is not touched),
# unpacks them under the cache and starts the binary with Debian 13's dynamic
# loader. Nothing is installed system-wide. Cache: $PDSAFE_PA_CACHE, default
# ~/.cache/pdsafe-perf-analyzer. Needs build/pdsafe and build/pdsafe-serve
# (serve/BENCHMARKS.md, "Building").
set -euo pipefail

PA_VERSION=2.60.0
DEBIAN_SUITE=trixie
here=$(cd "$(dirname "$0")/../.." && pwd)
cache=${PDSAFE_PA_CACHE:-$HOME/.cache/pdsafe-perf-analyzer}

conc="1 2 4 8 16 32 64" interval=2000 instances=2 maxbatch=16 delay=0
protocols="http grpc" csv="" setup_only=0 model=""
while [ $# -gt 0 ]; do
    case $1 in
        --concurrency) conc=$2; shift 2 ;;
        --interval-ms) interval=$2; shift 2 ;;
        --instances) instances=$2; shift 2 ;;
        --max-batch) maxbatch=$2; shift 2 ;;
        --delay-us) delay=$2; shift 2 ;;
        --protocols) protocols=$2; shift 2 ;;
        --csv) csv=$2; shift 2 ;;
        --setup-only) setup_only=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "perf-analyzer.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) [ -z "$model" ] || { echo "perf-analyzer.sh: one MODEL, got '$model' and '$1'" >&2; exit 2; }
           model=$1; shift ;;
    esac
done

pa=$cache/bin/perf_analyzer

setup() {
    [ -x "$pa" ] && "$pa" --version >/dev/null 2>&1 && return 0
    echo "perf-analyzer.sh: installing perf_analyzer $PA_VERSION under $cache" >&2
    rm -rf "$cache" && mkdir -p "$cache"/{wheel,apt/lists/partial,apt/cache/archives/partial,debs,root,bin,libexec}
    pip download --quiet --no-deps --only-binary=:all: --platform manylinux_2_38_x86_64 \
        -d "$cache/wheel" "perf-analyzer==$PA_VERSION"
    python3 - "$cache" <<'EOF'
import glob, os, sys, zipfile
cache = sys.argv[1]
whl, = glob.glob(os.path.join(cache, "wheel", "perf_analyzer-*.whl"))
with zipfile.ZipFile(whl) as z:
    data = z.read("perf_analyzer/bin/perf_analyzer")
out = os.path.join(cache, "libexec", "perf_analyzer")
with open(out, "wb") as f:
    f.write(data)
os.chmod(out, 0o755)
EOF
    echo "deb http://deb.debian.org/debian $DEBIAN_SUITE main" > "$cache/apt/sources.list"
    local opts=(-o "Dir::Etc::SourceList=$cache/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
                -o "Dir::State::Lists=$cache/apt/lists" -o "Dir::Cache=$cache/apt/cache"
                -o APT::Sandbox::User=root)
    apt-get "${opts[@]}" -qq update
    (cd "$cache/debs" && apt-get "${opts[@]}" -qq download libc6 libstdc++6 libgcc-s1)
    for d in "$cache"/debs/*.deb; do dpkg-deb -x "$d" "$cache/root"; done
    local lib=$cache/root/usr/lib/x86_64-linux-gnu
    # libz, libssl and libcrypto come from the system (Debian 12's build
    # only needs an older glibc, which the newer one provides).
    cat > "$pa" <<EOF
#!/bin/sh
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib:/usr/lib/x86_64-linux-gnu" "$cache/libexec/perf_analyzer" "\$@"
EOF
    chmod +x "$pa"
    "$pa" --version >/dev/null 2>&1 || { echo "perf-analyzer.sh: $pa does not start" >&2; exit 1; }
}

setup
[ $setup_only = 1 ] && { echo "$pa"; exit 0; }
[ -n "$model" ] || { echo "perf-analyzer.sh: no MODEL (see --help)" >&2; exit 2; }
for b in pdsafe pdsafe-serve; do
    [ -x "$here/build/$b" ] || { echo "perf-analyzer.sh: build/$b missing: build it as serve/BENCHMARKS.md says" >&2; exit 1; }
done

# The program and parameter files, as pdsafe-serve's repository takes them.
if [ -d "$model" ]; then
    files=()
    for f in inference.pdmodel inference.json; do [ -f "$model/$f" ] && files+=("$model/$f"); done
    [ ${#files[@]} = 1 ] || { echo "perf-analyzer.sh: $model holds ${#files[@]} of inference.pdmodel / inference.json; pass the program file" >&2; exit 2; }
    prog=${files[0]}
else
    prog=$model
fi
params=$(dirname "$prog")/inference.pdiparams
[ -f "$params" ] || { echo "perf-analyzer.sh: $params missing (the parameters of $prog)" >&2; exit 2; }

work=$(mktemp -d /tmp/pdsafe-pa.XXXXXX)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
for name in plain batched; do
    mkdir -p "$work/repo/$name/1"
    cp "$prog" "$params" "$work/repo/$name/1/"
    {
        echo "max_batch_size: $maxbatch"
        echo "instance_group [ { count: $instances } ]"
        [ $name = batched ] && echo "dynamic_batching { max_queue_delay_microseconds: $delay }"
    } > "$work/repo/$name/config.pbtxt"
done

# The library's own run, before the server starts (nothing else runs).
"$here/build/pdsafe" bench "$prog" --threads 1 --iters 300 --quiet --json "$work/lib1.json" >/dev/null
"$here/build/pdsafe" bench "$prog" --threads 1 --iters 300 --callers "$instances" --quiet --json "$work/libn.json" >/dev/null

"$here/build/pdsafe-serve" --model-repository "$work/repo" \
    --http-address 127.0.0.1 --grpc-address 127.0.0.1 --metrics-address 127.0.0.1 \
    --http-port 0 --grpc-port 0 --metrics-port 0 > "$work/serve.log" 2>&1 &
server_pid=$!
port() { sed -n "s/.*msg=listening endpoint=$1 address=127.0.0.1:\([0-9]*\).*/\1/p" "$work/serve.log" | head -1; }
for _ in $(seq 100); do
    [ -n "$(port http)" ] && [ -n "$(port grpc)" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
    sleep 0.1
done
http=$(port http) grpc=$(port grpc)
[ -n "$http" ] && [ -n "$grpc" ] || { echo "perf-analyzer.sh: the server did not listen" >&2; cat "$work/serve.log" >&2; exit 1; }
for name in plain batched; do
    for _ in $(seq 100); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$http/v2/models/$name/ready")" = 200 ] && break
        sleep 0.1
    done
done

for proto in $protocols; do
    case $proto in
        http) target=(-u "127.0.0.1:$http") ;;
        grpc) target=(-i grpc -u "127.0.0.1:$grpc") ;;
        *) echo "perf-analyzer.sh: protocol $proto: http or grpc" >&2; exit 2 ;;
    esac
    for c in $conc; do
        for name in plain batched; do
            # At most 8 windows until three agree within 30 %: bounded time. A
            # point that never settles is reported as such, not dropped.
            if ! timeout 300 "$pa" -m "$name" "${target[@]}" --concurrency-range "$c:$c" \
                --measurement-interval "$interval" --stability-percentage 30 --max-trials 8 \
                -f "$work/$proto-$name-$c.csv" > "$work/$proto-$name-$c.log" 2>&1; then
                if ! grep -q "Failed to obtain stable measurement" "$work/$proto-$name-$c.log"; then
                    echo "perf-analyzer.sh: perf_analyzer failed ($proto, $name, concurrency $c):" >&2
                    tail -20 "$work/$proto-$name-$c.log" >&2
                    exit 1
                fi
                rm -f "$work/$proto-$name-$c.csv"
            fi
            echo "  $proto $name concurrency $c done" >&2
        done
    done
done

python3 - "$work" "$csv" "$prog" "$instances" "$maxbatch" "$delay" "$protocols" "$conc" <<'EOF'
import csv, json, os, re, sys
work, out, prog, instances, maxbatch, delay, protocols, conc = sys.argv[1:]
lib1 = json.load(open(os.path.join(work, "lib1.json")))
libn = json.load(open(os.path.join(work, "libn.json")))
def p50_us(j):
    return j["p50_ms"] * 1000
def rate(j):
    return j["throughput"]
print(f"model {prog}; {instances} instances, max_batch_size {maxbatch}, "
      f"batched: max_queue_delay_microseconds {delay}")
print(f"library alone (pdsafe bench, 1 thread): p50 {p50_us(lib1):.0f} µs at 1 caller; "
      f"{rate(libn):.1f} runs/s with {instances} callers")
print()
print("| protocol | batching | concurrency | infer/s | / library runs/s | p50 µs | p99 µs "
      "| server: overhead | queue | compute input | compute infer | compute output (µs, means) "
      "| p50 − server µs |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
rows = []
for proto in protocols.split():
    for c in conc.split():
        for name in ("plain", "batched"):
            path = os.path.join(work, f"{proto}-{name}-{c}.csv")
            if not os.path.exists(path):
                print(f"| {proto} | {'yes' if name == 'batched' else 'no'} | {c} "
                      f"| not stable in 8 windows |" + " |" * 9)
                continue
            with open(path) as f:
                r = next(csv.DictReader(f))
            ips = float(r["Inferences/Second"])
            p50, p99 = int(r["p50 latency"]), int(r["p99 latency"])
            queue = int(r["Server Queue"])
            cin, cinf, cout = (int(r["Server Compute " + k]) for k in ("Input", "Infer", "Output"))
            # perf_analyzer's own split of the server's request time, from its
            # report: the part outside the queue and the three compute phases.
            with open(os.path.join(work, f"{proto}-{name}-{c}.log")) as f:
                m = re.findall(r"Avg request latency: \d+ usec \(overhead (\d+) usec", f.read())
            over = int(m[-1]) if m else -1
            rows.append(dict(protocol=proto, batching=name == "batched", concurrency=int(c),
                             infer_per_s=ips, p50_us=p50, p99_us=p99, overhead_us=over, queue_us=queue,
                             compute_input_us=cin, compute_infer_us=cinf, compute_output_us=cout))
            print(f"| {proto} | {'yes' if name == 'batched' else 'no'} | {c} | {ips:.1f} "
                  f"| {ips / rate(libn):.2f} | {p50} | {p99} | {over} | {queue} | {cin} | {cinf} "
                  f"| {cout} | {p50 - over - queue - cin - cinf - cout} |")
if out and rows:
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
EOF
