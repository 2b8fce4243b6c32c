#!/usr/bin/env bash
# Paper Figure 3 on this machine: throughput of a web server under ApacheBench, natively and with the
# server's system calls captured (strace / bpftrace) and streamed into `stidebench watch`, the online
# detector. Not part of `npm test`; needs root (strace -p, bpftrace) and apt (Debian 12).
#
#   experiments/paper-figure3/run.sh            # full run (5 repetitions, ~12-14 min on 2 cores)
#   experiments/paper-figure3/run.sh --quick    # smoke run: 1 repetition, much smaller -n
#
# Options: --reps N, --configs a,b,... (native,strace-file,strace-watch,bpftrace-file,bpftrace-watch,
#          count-probe,kernel),
#          --workers N (nginx worker processes, default 2), --out DIR, --no-build.
# Environment: SCALE_NATIVE / SCALE_BPFTRACE / SCALE_STRACE divide the paper's -n per configuration
# (defaults 1 / 4 / 10; --quick: 20 / 40 / 100), so the slow traced runs fit the time budget.
#
# Server: nginx on 127.0.0.1 on a free port, private prefix/config in a temporary folder, `daemon off`
# (we hold the master's pid), N workers, one small static HTML page, no access log.
# Configurations, each measured with the three paper loads (`ab -n 100000 -c 5`, `-n 50000 -c 2`,
# `-n 50000 -c 50`, -n divided by the configuration's scale):
#   native          no tracer
#   strace-file     strace -f -qq -s 0 -o FILE -p MASTER -p WORKER...
#   strace-watch    stidebench watch --pid MASTER --model M --frame 100 --ratio 0.15 --json   (what users run:
#                   strace -f -p on the master and its existing workers, the detector in user space)
#   bpftrace-file   bpftrace raw_syscalls:sys_enter filtered to the server's pids -> "tid nr" lines in a file
#   bpftrace-watch  stidebench watch --backend bpftrace --pid MASTER ... (every call printed into watch)
#   count-probe     bpftrace raw_syscalls:sys_enter filtered to the server's pids, counting in the kernel only
#   kernel          stidebench watch --backend kernel --pid MASTER ... (the detector in eBPF)
# Every watch run reports its lost events and its alarms (all false: the traffic is normal).
# The models: xenids, k = 6, trained (`stidebench train`) before any measurement on a capture of the
# server under a short ab load of each concurrency: one from strace (for strace-*), one from bpftrace
# (for bpftrace-*; see "training" below).
# Repetitions are interleaved (rep -> load -> configuration, the configuration order rotated per
# repetition) so background load on a shared machine hits every configuration alike.
# Everything started here is stopped on exit (trap), and the temporary folder removed.
# Output: results/paper-figure3/{summary.md,results.json,figure3.svg} via analyze.ts (npx tsx).

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT="$ROOT/results/paper-figure3"
QUICK=0
REPS=""
CONFIGS="native,strace-file,strace-watch,bpftrace-file,bpftrace-watch,count-probe,kernel"
WORKERS=2
BUILD=1

usage() { sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --reps) REPS="$2"; shift ;;
    --configs) CONFIGS="$2"; shift ;;
    --workers) WORKERS="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --no-build) BUILD=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
if [ "$QUICK" = 1 ]; then
  : "${REPS:=1}" "${SCALE_NATIVE:=20}" "${SCALE_BPFTRACE:=40}" "${SCALE_STRACE:=100}"
  TRAIN_N=500
else
  : "${REPS:=5}" "${SCALE_NATIVE:=1}" "${SCALE_BPFTRACE:=4}" "${SCALE_STRACE:=10}"
  TRAIN_N=3000
fi
FRAME=100
RATIO=0.15
K=6
# The paper's loads, in the paper's order: name, -n, -c.
LOADS=("n100000-c5 100000 5" "n50000-c2 50000 2" "n50000-c50 50000 50")

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (strace -p on the server, bpftrace)"

# ---------------------------------------------------------------------------------------------- tools
need=()
command -v nginx >/dev/null || need+=(nginx)
command -v ab >/dev/null || need+=(apache2-utils)
command -v strace >/dev/null || need+=(strace)
case ",$CONFIGS," in *,bpftrace-*|*,kernel*|*,count-probe*) command -v bpftrace >/dev/null || need+=(bpftrace) ;; esac
# The kernel backend builds its eBPF program and libbpf loader on first use (clang, cc, libbpf-dev).
case ",$CONFIGS," in *,kernel,*) command -v clang >/dev/null || need+=(clang); [ -f /usr/include/bpf/libbpf.h ] || need+=(libbpf-dev) ;; esac
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y "${need[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "${need[@]}" >/dev/null; } ||
    log "warning: apt-get install ${need[*]} failed"
fi
command -v nginx >/dev/null || die "nginx is missing (apt-get install -y nginx)"
command -v ab >/dev/null || die "ab is missing (apt-get install -y apache2-utils)"
command -v strace >/dev/null || die "strace is missing (apt-get install -y strace)"

# The tree is shared with other work in progress: a failing build is retried, and after that the
# existing dist/ is used (with a warning, recorded in the results) when it has the live commands.
BUILD_STATUS="skipped (--no-build)"
if [ "$BUILD" = 1 ]; then
  BUILD_STATUS="failed"
  for attempt in 1 2 3; do
    log "building stidebench (npm run build, attempt $attempt)"
    if (cd "$ROOT" && npm run build >"/tmp/stidebench-fig3-build.$$.log" 2>&1); then BUILD_STATUS="ok"; break; fi
    log "build failed: $(grep -m3 'error' "/tmp/stidebench-fig3-build.$$.log" | tr '\n' ' ')"
    [ $attempt -lt 3 ] && sleep 15
  done
  rm -f "/tmp/stidebench-fig3-build.$$.log"
  if [ "$BUILD_STATUS" != ok ]; then
    [ -f "$ROOT/dist/cli/live.js" ] || die "npm run build failed and dist/ has no live commands"
    BUILD_STATUS="failed; used the existing dist/"
    log "warning: npm run build failed; using the existing dist/"
  fi
fi
CLI=(node "$ROOT/dist/cli.js"); CLI_ENTRY="dist/cli.js"

# ------------------------------------------------------------------------------------ state & cleanup
TMP=$(mktemp -d /tmp/stidebench-fig3.XXXXXX)
chmod 755 "$TMP" # nginx workers run as nobody and must reach the page
NGINX_PID=""
TRACER_PID=""
WATCH_PID=""

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
# Stops a tracer: SIGINT (strace detaches, bpftrace runs END), repeated because bpftrace 0.17 can miss
# it while busy; SIGKILL after ~10 s. Waits for it only when it is our child.
stop_tracer() {
  local pid="$1" i
  for i in $(seq 1 35); do
    alive "$pid" || break
    kill -INT "$pid" 2>/dev/null || true
    sleep 0.3
  done
  if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if alive "$TRACER_PID"; then stop_tracer "$TRACER_PID"; fi
  if alive "$WATCH_PID"; then kill -TERM "$WATCH_PID" 2>/dev/null || true; sleep 0.3; kill -KILL "$WATCH_PID" 2>/dev/null || true; fi
  if alive "$NGINX_PID"; then
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do alive "$NGINX_PID" || break; sleep 0.1; done
    alive "$NGINX_PID" && kill -KILL "$NGINX_PID" 2>/dev/null
    # workers whose master was killed hard
    pkill -KILL -P "$NGINX_PID" 2>/dev/null || true
  fi
  # anything else still running from our temporary folder (bpftrace launchers, awk filters)
  local p
  for p in $(jobs -p); do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# -------------------------------------------------------------------------------------------- server
PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();})')
URL="http://127.0.0.1:$PORT/"
NG="$TMP/nginx"
mkdir -p "$NG/html" "$NG/logs" "$NG/tmp"
cat > "$NG/html/index.html" <<'EOF'
<!DOCTYPE html>
<html><head><title>stidebench</title></head>
<body><h1>It works</h1><p>A small static page for the Figure 3 throughput benchmark.</p></body></html>
EOF
cat > "$NG/nginx.conf" <<EOF
worker_processes $WORKERS;
daemon off;
pid $NG/nginx.pid;
error_log $NG/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile off;
  keepalive_timeout 0;
  client_body_temp_path $NG/tmp/client;
  proxy_temp_path $NG/tmp/proxy;
  fastcgi_temp_path $NG/tmp/fastcgi;
  uwsgi_temp_path $NG/tmp/uwsgi;
  scgi_temp_path $NG/tmp/scgi;
  server {
    listen 127.0.0.1:$PORT;
    root $NG/html;
    location / { index index.html; }
  }
}
EOF
nginx -p "$NG" -c "$NG/nginx.conf" -e "$NG/logs/error.log" -t >/dev/null 2>&1 || die "nginx config test failed: $(nginx -p "$NG" -c "$NG/nginx.conf" -e "$NG/logs/error.log" -t 2>&1)"
nginx -p "$NG" -c "$NG/nginx.conf" -e "$NG/logs/error.log" &
NGINX_PID=$!
WORKER_PIDS=""
for _ in $(seq 1 100); do
  WORKER_PIDS=$(pgrep -P "$NGINX_PID" | tr '\n' ' ' || true)
  [ "$(echo $WORKER_PIDS | wc -w)" -ge "$WORKERS" ] && ab -q -n 5 -c 1 "$URL" >/dev/null 2>&1 && break
  sleep 0.1
done
alive "$NGINX_PID" || die "nginx did not start: $(cat "$NG/logs/error.log")"
ab -n 5 -c 1 "$URL" >"$TMP/check.txt" 2>&1 || die "nginx does not answer: $(cat "$TMP/check.txt")"
if grep -q '^Non-2xx' "$TMP/check.txt"; then die "nginx does not serve the page (non-2xx): $(cat "$NG/logs/error.log")"; fi
SERVER_PIDS="$NGINX_PID $WORKER_PIDS"
PARGS=()
for p in $SERVER_PIDS; do PARGS+=(-p "$p"); done
BPF_FILTER=$(for p in $SERVER_PIDS; do printf 'pid == %s || ' "$p"; done | sed 's/ || $//')
log "nginx master $NGINX_PID, workers $WORKER_PIDS, $URL"

# Waits until every server pid has a tracer (TracerPid in /proc/PID/status).
wait_ptrace() {
  local p t i ok
  for i in $(seq 1 100); do
    ok=1
    for p in $SERVER_PIDS; do
      t=$(awk '/^TracerPid:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
      [ "${t:-0}" != 0 ] || ok=0
    done
    [ $ok = 1 ] && return 0
    sleep 0.05
  done
  return 1
}
# Waits until a `stidebench watch` says on stderr that it has attached.
wait_attached() { local i; for i in $(seq 1 1200); do grep -q 'attached' "$1" 2>/dev/null && return 0; alive "$WATCH_PID" || return 1; sleep 0.05; done; return 1; }
wait_file() { local i; for i in $(seq 1 200); do [ -e "$1" ] && return 0; sleep 0.05; done; return 1; }

BPF_OK=0
BPF_NOTE="not requested"
case ",$CONFIGS," in *,bpftrace-*|*,kernel*|*,count-probe*)
  # bpftrace needs tracefs; mount it when missing (root), else the bpftrace configurations say why they did not run.
  [ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing 2>"$TMP/tracefs.err" || log "tracefs: $(cat "$TMP/tracefs.err")"
  if command -v bpftrace >/dev/null; then
    if timeout 30 bpftrace -q -e 'tracepoint:raw_syscalls:sys_enter /pid == 1/ { @n = count(); } BEGIN { exit(); }' >"$TMP/bpfprobe.out" 2>&1; then
      BPF_OK=1; BPF_NOTE="works"
    else
      BPF_NOTE="bpftrace failed: $(grep -v RLIMIT_MEMLOCK "$TMP/bpfprobe.out" | head -3 | tr '\n' ' ')"
    fi
  else BPF_NOTE="bpftrace not installed"; fi
  log "bpftrace: $BPF_NOTE" ;;
esac
RUN_CONFIGS=()
IFS=, read -r -a req_configs <<<"$CONFIGS"
for c in "${req_configs[@]}"; do
  case "$c" in
    native|strace-file|strace-watch) RUN_CONFIGS+=("$c") ;;
    bpftrace-file|bpftrace-watch|count-probe|kernel) if [ $BPF_OK = 1 ]; then RUN_CONFIGS+=("$c"); else log "skipping $c: $BPF_NOTE"; fi ;;
    *) die "unknown configuration $c" ;;
  esac
done

# Warm-up (page cache, nginx, ab), not measured.
ab -q -n 2000 -c 5 "$URL" >/dev/null 2>&1 || true

# ------------------------------------------------------------------------------------------- training
# One model per tracer, both from the same kind of normal run (ab -n TRAIN_N at each paper concurrency):
# strace slows the server so much that its timing-dependent call patterns (how many connections one
# epoll_wait returns, accept4 loops ending in EAGAIN) differ from the untraced server's, which bpftrace
# barely slows; a model trained under strace alone mismatches on the bpftrace stream.
train_load() { local c; for c in 5 2 50; do ab -q -n "$TRAIN_N" -c "$c" "$URL" >/dev/null 2>&1 || die "ab failed during training"; done; }
MODEL="$TMP/nginx-strace.model"
log "training: strace capture under ab -n $TRAIN_N at -c 5, 2, 50"
strace -f -qq -s 0 -o "$TMP/train.strace" "${PARGS[@]}" 2>"$TMP/train.strace.err" &
TRACER_PID=$!
wait_ptrace || die "strace did not attach: $(cat "$TMP/train.strace.err")"
train_load
stop_tracer "$TRACER_PID"; TRACER_PID=""
# strace detaching on SIGINT leaves the calls in progress as "name(args <detached ...>" lines: not calls.
sed -i '/<detached \.\.\.>$/d' "$TMP/train.strace"
"${CLI[@]}" train --data "$TMP/train.strace" --label normal --program nginx --detector xenids -k "$K" -o "$MODEL" >"$TMP/train.out" 2>&1 ||
  die "stidebench train failed: $(cat "$TMP/train.out")"
log "$(cat "$TMP/train.out")"
rm -f "$TMP/train.strace"
# ---------------------------------------------------------------------------------------------- runs
RUNS="$TMP/runs"
mkdir -p "$RUNS"

scale_of() {
  case "$1" in
    native) echo "$SCALE_NATIVE" ;;
    bpftrace-*|count-probe|kernel) echo "$SCALE_BPFTRACE" ;;
    strace-*) echo "$SCALE_STRACE" ;;
  esac
}

# bpftrace program: every syscall entry of the server's pids as "tid nr" (x86_64 numbers). BEGIN touches
# a file so we know the probes are up (stdout is fully buffered, so a printed marker would arrive late;
# bpftrace strings are limited to 64 bytes, hence the short fixed name).
bpf_program() {
  printf 'BEGIN { system("/bin/touch %s"); } tracepoint:raw_syscalls:sys_enter /%s/ { printf("%%d %%d\\n", tid, args->id); }' "$1" "$BPF_FILTER"
}

run_one() {
  local cfg="$1" load="$2" paper_n="$3" c="$4" rep="$5"
  local scale n dir t0 t1 t2
  scale=$(scale_of "$cfg")
  n=$((paper_n / scale))
  dir="$RUNS/$cfg.$load.$rep"
  mkdir -p "$dir"
  {
    echo "config=$cfg"; echo "load=$load"; echo "rep=$rep"; echo "n=$n"; echo "c=$c"; echo "paperN=$paper_n"; echo "scale=$scale"
    echo "loadBefore=$(cut -d' ' -f1-3 /proc/loadavg)"
  } >"$dir/meta"
  TRACER_PID=""; WATCH_PID=""
  case "$cfg" in
    native) ;;
    strace-file)
      strace -f -qq -s 0 -o "$dir/capture" "${PARGS[@]}" 2>"$dir/tracer.err" &
      TRACER_PID=$!
      wait_ptrace || die "strace did not attach: $(cat "$dir/tracer.err")" ;;
    strace-watch)
      "${CLI[@]}" watch --pid "$NGINX_PID" --model "$MODEL" --frame "$FRAME" --ratio "$RATIO" --allow-loss --json >"$dir/watch.jsonl" 2>"$dir/watch.err" &
      WATCH_PID=$!
      wait_attached "$dir/watch.err" || die "watch --pid did not attach: $(cat "$dir/watch.err")" ;;
    bpftrace-file)
      rm -f "$TMP/rdy"
      sh -c 'echo $$ >"$0"; exec bpftrace --unsafe -q -B full -e "$1"' "$dir/tracer.pid" "$(bpf_program "$TMP/rdy")" >"$dir/capture" 2>"$dir/tracer.err" &
      TRACER_PID=$!
      wait_file "$TMP/rdy" || die "bpftrace did not start: $(cat "$dir/tracer.err")"
      sleep 0.3 ;;
    bpftrace-watch|kernel)
      local backend=bpftrace
      [ "$cfg" = kernel ] && backend=kernel
      "${CLI[@]}" watch --backend "$backend" --pid "$NGINX_PID" --model "$MODEL_BPF" --frame "$FRAME" --ratio "$RATIO" --allow-loss --json >"$dir/watch.jsonl" 2>"$dir/watch.err" &
      WATCH_PID=$!
      wait_attached "$dir/watch.err" || die "watch --backend $backend did not attach: $(cat "$dir/watch.err")" ;;
    count-probe)
      rm -f "$TMP/rdy"
      sh -c 'echo $$ >"$0"; exec bpftrace --unsafe -q -e "$1"' "$dir/tracer.pid" "BEGIN { system(\"/bin/touch $TMP/rdy\"); } tracepoint:raw_syscalls:sys_enter /$BPF_FILTER/ { @n = count(); }" >"$dir/count.out" 2>"$dir/tracer.err" &
      TRACER_PID=$!
      wait_file "$TMP/rdy" || die "bpftrace did not start: $(cat "$dir/tracer.err")"
      sleep 0.3 ;;
  esac
  ab -n "$n" -c "$c" "$URL" >"$dir/ab.txt" 2>&1 || echo "abExit=$?" >>"$dir/meta"
  t0=$(date +%s.%N)
  if [ -n "$TRACER_PID" ]; then stop_tracer "$TRACER_PID"; fi
  # A watch that started its own tracer (--pid) is told to stop like a user would: Ctrl-C (SIGINT).
  if [ -n "$WATCH_PID" ] && [ -z "$TRACER_PID" ]; then kill -INT "$WATCH_PID" 2>/dev/null || true; fi
  t1=$(date +%s.%N)
  if [ -n "$WATCH_PID" ]; then
    local w
    for w in $(seq 1 300); do alive "$WATCH_PID" || break; sleep 0.1; done
    alive "$WATCH_PID" && { echo "watchKilled=1" >>"$dir/meta"; kill -KILL "$WATCH_PID" 2>/dev/null || true; }
    wait "$WATCH_PID" 2>/dev/null || echo "watchExit=$?" >>"$dir/meta"
  fi
  t2=$(date +%s.%N)
  TRACER_PID=""; WATCH_PID=""
  {
    echo "loadAfter=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "stopSeconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"   # ab end -> tracer gone
    echo "drainSeconds=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')"  # tracer gone -> watch finished its backlog
  } >>"$dir/meta"
  # Capture-only runs: size, then the detector offline on the same capture (events, alarms, and its
  # throughput when not waiting for the tracer). The capture itself is not kept.
  if [ -f "$dir/capture" ]; then
    echo "captureBytes=$(stat -c %s "$dir/capture")" >>"$dir/meta"
    echo "captureLines=$(wc -l <"$dir/capture")" >>"$dir/meta"
    if [ "$cfg" = bpftrace-file ]; then
      awk -v side="$dir/side" '/^[0-9]+ [0-9]+$/ { print; next } NF { print >> side }' "$dir/capture" >"$dir/capture.unm"
      mv "$dir/capture.unm" "$dir/capture"
      "${CLI[@]}" watch --model "$MODEL_BPF" --input "$dir/capture" --format unm --frame "$FRAME" --ratio "$RATIO" --json >"$dir/offline.jsonl" 2>"$dir/offline.err" || true
    else
      "${CLI[@]}" watch --model "$MODEL" --input "$dir/capture" --format strace --frame "$FRAME" --ratio "$RATIO" --json >"$dir/offline.jsonl" 2>"$dir/offline.err" || true
    fi
    rm -f "$dir/capture"
  fi
  local line rps
  line=$(grep -E '^Time taken for tests' "$dir/ab.txt" | awk '{print $5}' || true)
  rps=$(grep -E '^Requests per second' "$dir/ab.txt" | awk '{print $4}' || true)
  log "rep $rep $load $cfg: n=$n ${line:-?} s, ${rps:-?} req/s (load $(cut -d' ' -f1 /proc/loadavg))"
}

MODEL_BPF="$TMP/nginx-bpftrace.model"
: >"$TMP/train-bpf.out"
case " ${RUN_CONFIGS[*]} " in *" bpftrace-watch "*|*" bpftrace-file "*|*" kernel "*)
  log "training: bpftrace capture under ab -n $TRAIN_N at -c 5, 2, 50"
  rm -f "$TMP/rdy"
  sh -c 'echo $$ >"$0"; exec bpftrace --unsafe -q -B full -e "$1"' "$TMP/train-bpf.pid" "$(bpf_program "$TMP/rdy")" >"$TMP/train.unm.raw" 2>"$TMP/train-bpf.err" &
  TRACER_PID=$!
  wait_file "$TMP/rdy" || die "bpftrace did not start: $(cat "$TMP/train-bpf.err")"
  sleep 0.3
  train_load
  stop_tracer "$TRACER_PID"; TRACER_PID=""
  grep -a -E '^[0-9]+ [0-9]+$' "$TMP/train.unm.raw" >"$TMP/train.unm" || true
  "${CLI[@]}" train --data "$TMP/train.unm" --format unm --table linux-x86_64 --label normal --program nginx --detector xenids -k "$K" \
    -o "$MODEL_BPF" >"$TMP/train-bpf.out" 2>&1 || die "stidebench train (bpftrace) failed: $(cat "$TMP/train-bpf.out")"
  log "$(cat "$TMP/train-bpf.out")"
  rm -f "$TMP/train.unm" "$TMP/train.unm.raw" ;;
esac

log "configurations: ${RUN_CONFIGS[*]}; $REPS repetition(s); scales native/$SCALE_NATIVE bpftrace/$SCALE_BPFTRACE strace/$SCALE_STRACE"
START=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
nconf=${#RUN_CONFIGS[@]}
for rep in $(seq 1 "$REPS"); do
  for spec in "${LOADS[@]}"; do
    read -r load paper_n c <<<"$spec"
    for i in $(seq 0 $((nconf - 1))); do
      cfg=${RUN_CONFIGS[$(((i + rep - 1) % nconf))]}
      run_one "$cfg" "$load" "$paper_n" "$c" "$rep"
    done
  done
done
END=$(date +%s)
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ------------------------------------------------------------------------------------------- machine
ENV="$TMP/env"
{
  echo "cpuModel=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "cores=$(nproc)"
  echo "memTotalKiB=$(awk '/^MemTotal/ {print $2}' /proc/meminfo)"
  echo "kernel=$(uname -r)"
  echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "nginx=$(nginx -v 2>&1 | sed 's/^nginx version: //')"
  echo "strace=$(strace -V | head -1)"
  echo "bpftrace=$(command -v bpftrace >/dev/null && bpftrace --version 2>/dev/null | head -1 || echo none)"
  echo "ab=$(ab -V | head -1)"
  echo "node=$(node -v)"
  echo "gitCommit=$(cd "$ROOT" && git rev-parse HEAD 2>/dev/null || echo unknown)"
  echo "gitDirty=$(cd "$ROOT" && [ -n "$(git status --porcelain 2>/dev/null)" ] && echo true || echo false)"
  echo "cli=$CLI_ENTRY"
  echo "build=$BUILD_STATUS"
  echo "bpftraceStatus=$BPF_NOTE"
  echo "quick=$QUICK"
  echo "reps=$REPS"
  echo "workers=$WORKERS"
  echo "frame=$FRAME"
  echo "ratio=$RATIO"
  echo "k=$K"
  echo "trainN=$TRAIN_N"
  echo "training=$(tr '\n' ' ' <"$TMP/train.out")"
  echo "trainingBpftrace=$(tr '\n' ' ' <"$TMP/train-bpf.out")"
  echo "scaleNative=$SCALE_NATIVE"
  echo "scaleBpftrace=$SCALE_BPFTRACE"
  echo "scaleStrace=$SCALE_STRACE"
  echo "configs=$(IFS=,; echo "${RUN_CONFIGS[*]}")"
  echo "startedAt=$(date -u -d "@$START" +%Y-%m-%dT%H:%M:%SZ)"
  echo "wallSeconds=$((END - START))"
  echo "loadStart=$LOAD_START"
  echo "loadEnd=$LOAD_END"
} >"$ENV"

log "analysing ($((END - START)) s of runs)"
mkdir -p "$OUT"
# The per-run files (ab output, meta, watch summaries; captures are not kept) go to OUT/raw so the
# analysis can be re-run: npx tsx experiments/paper-figure3/analyze.ts --runs OUT/raw/runs --env OUT/raw/env --out OUT
rm -rf "$OUT/raw"; mkdir -p "$OUT/raw"
cp -r "$RUNS" "$OUT/raw/runs"; cp "$ENV" "$OUT/raw/env"
(cd "$ROOT" && npx --no-install tsx "$HERE/analyze.ts" --runs "$OUT/raw/runs" --env "$OUT/raw/env" --out "$OUT")
log "wrote $OUT/summary.md, $OUT/results.json"
