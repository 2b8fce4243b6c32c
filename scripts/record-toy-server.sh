#!/usr/bin/env bash
# Record the toy TCP server of the paper's Table 2 (datasets/toy-server/) with strace.
#
#   bash scripts/record-toy-server.sh               # full dataset -> datasets/toy-server/
#   bash scripts/record-toy-server.sh --quick       # 1 run per scenario, 8 strings per run
#   bash scripts/record-toy-server.sh --out DIR     # write traces/ + manifest.json under DIR
#
# Compiles datasets/toy-server/server.c (cc -O2) into a normal build and three
# malicious builds (-DVARIANT_LOCAL_COPY, -DVARIANT_SHELL, -DVARIANT_REMOTE_COPY),
# runs every scenario under `strace -f -qq -s 16` with a minimal environment
# (env -i) in a scratch directory, drives it with datasets/toy-server/client.py
# (untraced) over 127.0.0.1, stops it with SIGINT or SIGKILL, checks what it
# recorded, and writes traces/<label>/<scenario>-<n>.strace, a .meta.json
# sidecar per trace and manifest.json. Every process it starts is killed by
# pid on exit. Needs: bash, strace, cc, python3, sha256sum. Root not needed.
set -euo pipefail

usage() {
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
}

QUICK=0
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATASET_DIR="$ROOT/datasets/toy-server"
OUT="$DATASET_DIR"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --out) [ $# -ge 2 ] || { echo "record-toy-server: --out needs a directory" >&2; exit 2; }; OUT="$2"; shift ;;
    --out=*) OUT="${1#--out=}" ;;
    -h|--help) usage; exit 0 ;;
    *) echo "record-toy-server: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

for tool in strace cc sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "record-toy-server: missing tool: $tool (apt-get install -y strace gcc coreutils)" >&2
    exit 1
  }
done
# A real interpreter, not a version-manager shim (the helpers are not traced,
# but shims are slow and may print to stderr).
PY=""
for cand in /usr/bin/python3 /usr/local/bin/python3 "$(command -v python3 || true)"; do
  if [ -n "$cand" ] && [ -x "$cand" ]; then PY="$cand"; break; fi
done
[ -n "$PY" ] || { echo "record-toy-server: python3 is required" >&2; exit 1; }

SRC="$DATASET_DIR/server.c"
CLIENT="$DATASET_DIR/client.py"
[ -f "$SRC" ] && [ -f "$CLIENT" ] || { echo "record-toy-server: $SRC or $CLIENT missing" >&2; exit 1; }

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
TRACES="$OUT/traces"

STRACE_VERSION="$(strace -V 2>/dev/null | head -n1 | sed -n 's/.*version \([0-9][0-9.]*\).*/\1/p')"
CC_VERSION="$(cc --version 2>/dev/null | head -n1)"
KERNEL="$(uname -r)"
ARCH="$(uname -m)"
RECORDED_AT="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

WORK="$(mktemp -d /tmp/stidebench-toy.XXXXXX)"
RUN="$WORK/run"
mkdir -p "$WORK/bin" "$WORK/aux" "$WORK/home"

PIDS=()   # every background process we started (strace, server, sink), by pid
cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

forget_pid() {
  local pid="$1" i
  for i in "${!PIDS[@]}"; do
    [ "${PIDS[$i]}" = "$pid" ] && unset 'PIDS[i]'
  done
  return 0
}

CLEAN_ENV=(env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$WORK/home" LC_ALL=C LANG=C TERM=dumb)
STRACE_OPTS=(-f -qq -s 16)

# ---------------------------------------------------------------------------
# builds

build() {  # build NAME [cc flags...]  (in the background; see wait_builds)
  local name="$1"; shift
  cc -O2 -o "$WORK/bin/$name" "$@" "$SRC" 2>"$WORK/aux/cc-$name.log" &
  BUILD_PIDS+=("$!")
  PIDS+=("$!")
}
wait_builds() {
  local pid status=0
  for pid in "${BUILD_PIDS[@]}"; do
    wait "$pid" || status=1
    forget_pid "$pid"
  done
  if [ "$status" != 0 ]; then
    echo "record-toy-server: compilation failed:" >&2
    cat "$WORK"/aux/cc-*.log >&2
    exit 1
  fi
}

# Syscall numbers of accept/accept4, to see (via /proc/PID/syscall) that the
# server is idle in accept() before it is signalled.
case "$ARCH" in
  x86_64) ACCEPT_NRS="43 288" ;;
  aarch64) ACCEPT_NRS="202 242" ;;
  *) ACCEPT_NRS="" ;;
esac

# wait_idle PID: until the server blocks in accept() (max ~3 s)
wait_idle() {
  local pid="$1" i n nr wchan
  for i in $(seq 1 150); do
    wchan="$(cat "/proc/$pid/wchan" 2>/dev/null || true)"
    case "$wchan" in *accept*) return 0 ;; esac
    nr="$(cut -d' ' -f1 "/proc/$pid/syscall" 2>/dev/null || true)"
    for n in $ACCEPT_NRS; do [ "$nr" = "$n" ] && return 0; done
    sleep 0.02
  done
  echo "record-toy-server: warning: could not see server $pid idle in accept(); signalling anyway" >&2
}

# The server is strace's only child.
server_pid() {
  local spid="$1" i kids
  for i in $(seq 1 250); do
    kids="$(cat "/proc/$spid/task/$spid/children" 2>/dev/null || true)"
    set -- $kids
    if [ $# -ge 1 ]; then echo "$1"; return 0; fi
    sleep 0.02
  done
  return 1
}

# strace pads short calls so that ' = ret' starts at column 40; collapse that
# padding to one space (same normalisation as scripts/record-sample.sh).
compact_trace() {
  sed -E -i 's/^(.*\)) {2,}(= [^"]*)$/\1 \2/' "$1"
}

SINK_PID=""
SINK_PORT=""
start_sink() {
  local portfile="$WORK/aux/sink.port" i
  rm -f "$portfile" "$portfile.tmp"
  : >"$WORK/aux/sink.bin"
  "$PY" "$CLIENT" sink "$portfile" "$WORK/aux/sink.bin" </dev/null >/dev/null 2>&1 &
  SINK_PID=$!
  PIDS+=("$SINK_PID")
  for i in $(seq 1 250); do
    [ -s "$portfile" ] && break
    sleep 0.02
  done
  [ -s "$portfile" ] || { echo "record-toy-server: sink listener did not start" >&2; exit 1; }
  SINK_PORT="$(cat "$portfile")"
}
stop_sink() {
  kill "$SINK_PID" 2>/dev/null || true
  wait "$SINK_PID" 2>/dev/null || true
  forget_pid "$SINK_PID"
  SINK_PID=""
}

lines_of() { if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi; }

RUNLOG="$WORK/aux/runs.tsv"
: >"$RUNLOG"
COUNT=0

# record_run SCENARIO N LABEL FAMILY BUILD LENGTH SIGNAL STRINGS CONNECTIONS
record_run() {
  local scenario="$1" n="$2" label="$3" family="$4" variant="$5" length="$6" sig="$7"
  local strings="$8" conns="$9"
  local dir="$TRACES/$label" rel="traces/$label/$scenario-$n.strace"
  local out="$OUT/$rel"
  mkdir -p "$dir"
  rm -rf "$RUN"
  mkdir -p "$RUN"

  local remote_before
  remote_before="$(lines_of "$WORK/aux/sink.bin")"
  cp "$WORK/bin/$variant" "$RUN/toy-server"

  local port
  port="$("$PY" "$CLIENT" freeport)"
  local cmd=(./toy-server "$port" received.txt)

  (
    cd "$RUN"
    exec "${CLEAN_ENV[@]}" strace "${STRACE_OPTS[@]}" -o "$out" -- "${cmd[@]}"
  ) </dev/null >"$WORK/aux/server.stdout" 2>"$WORK/aux/server.stderr" &
  local spid=$!
  PIDS+=("$spid")

  local seed=$(( ${#scenario} * 1000 + n * 37 ))
  local client_status=0
  "$PY" "$CLIENT" send "$port" "$strings" "$length" "$conns" "$seed" \
    >"$WORK/aux/client.stdout" 2>"$WORK/aux/client.stderr" || client_status=$?

  local srv=""
  srv="$(server_pid "$spid")" || true
  if [ -z "$srv" ] || [ "$client_status" != 0 ]; then
    echo "record-toy-server: $rel: client failed (status $client_status) or server not found" >&2
    cat "$WORK/aux/client.stderr" "$WORK/aux/server.stderr" >&2 || true
    exit 1
  fi
  PIDS+=("$srv")

  wait_idle "$srv"
  kill "-$sig" "$srv"
  local i
  for i in $(seq 1 250); do
    kill -0 "$srv" 2>/dev/null || break
    sleep 0.02
  done
  if kill -0 "$srv" 2>/dev/null; then
    echo "record-toy-server: $rel: server did not stop on SIG$sig" >&2
    exit 1
  fi
  local status=0
  { wait "$spid" || status=$?; } 2>/dev/null
  forget_pid "$spid"
  forget_pid "$srv"

  # lines the listener received from this run (it writes as data arrives)
  local remote_lines=0
  if [ "$variant" = remote-copy ]; then
    for i in $(seq 1 150); do
      [ "$(lines_of "$WORK/aux/sink.bin")" -ge $((remote_before + strings)) ] && break
      sleep 0.02
    done
  fi
  remote_lines=$(( $(lines_of "$WORK/aux/sink.bin") - remote_before ))

  # what the server actually did
  local saved stash extra
  saved="$(lines_of "$RUN/received.txt")"
  stash="$(lines_of "$RUN/.stash")"
  extra="$(sed -n 's/.*extra=\([0-9]*\).*/\1/p' "$WORK/aux/client.stdout")"
  [ "$saved" = "$strings" ] || { echo "record-toy-server: $rel: server saved $saved of $strings strings" >&2; exit 1; }
  case "$variant" in
    local-copy) [ "$stash" = "$strings" ] || { echo "record-toy-server: $rel: local copy has $stash lines" >&2; exit 1; } ;;
    remote-copy) [ "$remote_lines" = "$strings" ] || { echo "record-toy-server: $rel: remote copy got $remote_lines lines" >&2; exit 1; } ;;
    shell) grep -q 'uid=' "$WORK/aux/client.stderr" || { echo "record-toy-server: $rel: no shell output reached the client" >&2; exit 1; } ;;
    *) [ "$stash" = 0 ] && [ "${extra:-0}" = 0 ] && [ "$remote_lines" = 0 ] || { echo "record-toy-server: $rel: unexpected side effects" >&2; exit 1; } ;;
  esac

  compact_trace "$out"
  local termination=SIGINT
  [ "$sig" = KILL ] && termination=SIGKILL
  "$PY" - "$out.meta.json" "$label" "$family" "$status" "$RECORDED_AT" "$STRACE_VERSION" "$scenario" \
      "$strings" "$length" "$conns" "$termination" -- "${cmd[@]}" <<'PYEOF'
import json, sys
args = sys.argv[1:]
sep = args.index("--")
file, label, family, status, at, ver, scenario, strings, length, conns, term = args[:sep]
meta = {
    "label": label,
    "program": "toy-server",
    "family": None if family == "-" else family,
    "command": args[sep + 1:],
    "recordedAt": at,
    "exitStatus": int(status),
    "backend": "strace",
    "straceVersion": ver,
    "scenario": scenario,
    "workload": {
        "strings": int(strings),
        "length": int(length),
        "connections": int(conns),
        "termination": term,
    },
}
with open(file, "w") as fh:
    fh.write(json.dumps(meta, indent=2) + "\n")
PYEOF
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rel" "$scenario" "$label" "$variant" "$sig" "$strings" "$status" "$length" >>"$RUNLOG"
  COUNT=$((COUNT + 1))
  printf '  %-7s %-26s exit=%-3s strings=%-3s len=%-3s conns=%s %5s lines\n' \
    "$label" "$scenario-$n" "$status" "$strings" "$length" "$conns" "$(wc -l <"$out")"
}

# scenario NAME LABEL FAMILY BUILD LENGTHS SIGNAL RUNS
#   LENGTHS: one length, or "10/200" to alternate the two training lengths
scenario() {
  local name="$1" label="$2" family="$3" variant="$4" lengths="$5" sig="$6" runs="$7"
  local n length strings conns
  [ "$QUICK" = 1 ] && runs=1
  for n in $(seq 1 "$runs"); do
    case "$lengths" in
      */*) if [ $((n % 2)) = 1 ]; then length="${lengths%%/*}"; else length="${lengths##*/}"; fi ;;
      *) length="$lengths" ;;
    esac
    if [ "$QUICK" = 1 ]; then
      strings=8; conns=2
    else
      strings=$((20 + 5 * ((n - 1) % 5)))   # 20, 25, 30, 35, 40
      conns=$((1 + (n - 1) % 3))            # 1, 2, 3
    fi
    record_run "$name" "$n" "$label" "$family" "$variant" "$length" "$sig" "$strings" "$conns"
  done
}

# The remote-copy build has its destination port compiled in (-DREMOTE_PORT),
# so its command line is the same as the other builds'. One listener on
# 127.0.0.1 receives the copies of every remote-copy run.
start_sink
BUILD_PIDS=()
build normal
build local-copy -DVARIANT_LOCAL_COPY
build shell -DVARIANT_SHELL
build remote-copy -DVARIANT_REMOTE_COPY -DREMOTE_PORT="$SINK_PORT"
wait_builds

rm -rf "$TRACES"
mkdir -p "$TRACES/normal" "$TRACES/attack"
if [ "$QUICK" = 1 ]; then
  echo "record-toy-server: recording into $OUT (quick: 1 run per scenario)"
else
  echo "record-toy-server: recording into $OUT"
fi

# training data: the paper's strings of 10 and 200 characters, SIGINT
scenario normal-10              normal -           normal      10      INT  5
scenario normal-200             normal -           normal      200     INT  5
# benign changes (label normal): other string lengths, termination by SIGKILL
scenario benign-25              normal -           normal      25      INT  3
scenario benign-100             normal -           normal      100     INT  3
scenario benign-kill            normal -           normal      10/200  KILL 3
# malicious modifications of the server program (training string lengths, SIGINT)
scenario malicious-local-copy   attack local-copy  local-copy  10/200  INT  3
scenario malicious-shell        attack shell       shell       10/200  INT  3
scenario malicious-remote-copy  attack remote-copy remote-copy 10/200  INT  3

stop_sink
echo "record-toy-server: $COUNT recordings; checking traces and writing manifest"

# ---------------------------------------------------------------------------
"$PY" - "$OUT" "$RUNLOG" "$STRACE_VERSION" "$KERNEL" "$ARCH" "$CC_VERSION" "$RECORDED_AT" "$QUICK" <<'PYEOF'
import collections, hashlib, json, os, re, sys
out, runlog, strace_version, kernel, arch, cc_version, recorded_at, quick = sys.argv[1:9]

# Grammar accepted by the readers (strace -f text output), as in record-sample.sh.
PID = r"(?:\d+\s+)?"
NAME = r"[a-z_][a-z0-9_]*"
SYSCALL = re.compile(rf"^{PID}(?P<name>{NAME})\(.*\)\s+=\s+.+$")
UNFINISHED = re.compile(rf"^{PID}(?P<name>{NAME})\(.*<unfinished \.\.\.>$")
RESUMED = re.compile(rf"^{PID}<\.\.\. (?P<name>{NAME}) resumed>.*$")
SIGNAL = re.compile(rf"^{PID}--- SIG\w+ .*---$")
EXIT = re.compile(rf"^{PID}\+\+\+ (exited with -?\d+|killed by SIG\w+(?: \(core dumped\))?) \+\+\+$")
LINE_PID = re.compile(r"^(\d+)\s")

bad = []
def check(cond, msg):
    if not cond:
        bad.append(msg)

per_scenario = collections.defaultdict(list)  # scenario -> [(server calls, all calls, bytes)]
for row in open(runlog):
    rel, scenario, label, variant, sig, strings, status, length = row.rstrip("\n").split("\t")
    strings, status = int(strings), int(status)
    text = open(os.path.join(out, rel), encoding="utf-8", errors="replace").read()
    lines = text.splitlines()
    calls = collections.Counter()   # pid -> syscalls
    by_pid = collections.defaultdict(list)
    for i, line in enumerate(lines, 1):
        m = LINE_PID.match(line)
        pid = m.group(1) if m else "?"
        by_pid[pid].append(line)
        if SYSCALL.match(line) or UNFINISHED.match(line):
            calls[pid] += 1
        elif RESUMED.match(line) or SIGNAL.match(line) or EXIT.match(line):
            pass
        else:
            bad.append(f"{rel}:{i}: unparseable: {line[:100]}")
    server = LINE_PID.match(lines[0]).group(1) if lines and LINE_PID.match(lines[0]) else "?"
    srv = by_pid[server]
    joined = "\n".join(srv)
    others = [p for p in by_pid if p != server]
    check(lines and re.search(r'execve\("\./toy-server"', lines[0]), f"{rel}: does not start with execve of ./toy-server")
    # The output file's descriptor is whatever open() returned (3 unless the caller left fds open).
    out_fd = next((m.group(1) for l in srv for m in [re.search(r"O_WRONLY\|O_CREAT\|O_APPEND, 0644\) = (\d+)$", l)] if m), "3")
    check(sum(1 for l in srv if re.match(rf"^\d+\s+write\({out_fd}, ", l)) == strings, f"{rel}: expected {strings} writes to the output file (fd {out_fd})")
    check(sum(1 for l in srv if 'sendto(' in l and '"OK\\n"' in l) == strings, f"{rel}: expected {strings} OK acks")
    check("accept(" in joined and "bind(" in joined, f"{rel}: no bind/accept")
    has_connect = any(re.match(r"^\d+\s+connect\(", l) for l in srv)
    has_stash = '".stash"' in joined
    shell_pids = [p for p in others if any('execve("/bin/sh"' in l for l in by_pid[p])]
    check(has_connect == (variant == "remote-copy"), f"{rel}: connect() present={has_connect} for {variant}")
    check(has_stash == (variant == "local-copy"), f"{rel}: .stash open present={has_stash} for {variant}")
    check(bool(shell_pids) == (variant == "shell"), f"{rel}: child execve(/bin/sh) present={bool(shell_pids)} for {variant}")
    check(bool(others) == (variant == "shell"), f"{rel}: unexpected extra processes {others}")
    if variant == "remote-copy":
        check(sum(1 for l in srv if re.match(r"^\d+\s+sendto\(", l)) == 2 * strings, f"{rel}: expected {strings} copies sent")
    if sig == "INT":
        check(status == 0, f"{rel}: exit status {status} after SIGINT")
        check("--- SIGINT" in joined, f"{rel}: no SIGINT delivery")
        check(srv[-1].endswith("exit_group(0) = ?"), f"{rel}: does not end with exit_group(0)")
    else:
        check(status == 128 + 9, f"{rel}: exit status {status} after SIGKILL")
        check("killed by SIGKILL" in srv[-1], f"{rel}: does not end with killed by SIGKILL")
    per_scenario[scenario].append((calls[server], sum(calls.values()), len(text.encode())))

files = {}
total = 0
traces_dir = os.path.join(out, "traces")
for dirpath, _, names in os.walk(traces_dir):
    for n in names:
        p = os.path.join(dirpath, n)
        rel = os.path.relpath(p, out).replace(os.sep, "/")
        data = open(p, "rb").read()
        total += len(data)
        files[rel] = hashlib.sha256(data).hexdigest()
for rel in files:
    if rel.endswith(".strace"):
        check(rel + ".meta.json" in files, f"{rel}: missing sidecar")

n_normal = sum(1 for r in files if r.startswith("traces/normal/") and r.endswith(".strace"))
n_attack = sum(1 for r in files if r.startswith("traces/attack/") and r.endswith(".strace"))
manifest = {
    "name": "toy-server",
    "title": "Toy TCP server (paper Table 2), recorded with strace",
    "description": (
        "A small C server that receives newline-terminated strings on 127.0.0.1 and appends them to a "
        "file, rebuilt after section 4.2 / Table 2 of Maiero & Miculan (SECRYPT 2011) and recorded with "
        f"strace -f. {n_normal} normal recordings: training runs with strings of 10 and 200 characters "
        "stopped by SIGINT (traces/normal/normal-*), and benign changes (strings of 25 and 100 characters, "
        "termination by SIGKILL; traces/normal/benign-*). "
        f"{n_attack} attack recordings of maliciously modified builds of the same server: it also writes "
        "a copy of the data to another file (local-copy), opens a system shell on the first connection "
        "(shell), or sends a copy of the data to another address (remote-copy, a listener on 127.0.0.1). "
        "Labels, families and scenarios come from the .meta.json sidecars."
    ),
    "format": "strace",
    "root": ".",
    "embedded": True,
    "program": "toy-server",
    "syscallTable": {"kind": "names"},
    "labelsFrom": "sidecar",
    "rules": [
        {"pattern": "^traces/normal/.*\\.strace$", "label": "normal"},
        {"pattern": "^traces/attack/.*\\.strace$", "label": "attack"},
    ],
    "subsets": {
        "train": "^traces/normal/normal-",
        "benign": "^traces/normal/benign-",
        "attack": "^traces/attack/",
    },
    "source": {
        "homepage": "recorded by scripts/record-toy-server.sh",
        "urls": [],
        "citation": [
            "C. Maiero and M. Miculan, Unobservable intrusion detection based on call traces in "
            "paravirtualized systems, SECRYPT 2011"
        ],
    },
    "files": {k: files[k] for k in sorted(files)},
    "notes": [
        f"Recorded {recorded_at} with strace {strace_version} on Linux {kernel} ({arch}); server built "
        f"with cc -O2 ({cc_version}); command: strace -f -qq -s 16 -o OUT -- ./toy-server PORT received.txt "
        "(env -i, LC_ALL=C)" + (" [--quick: 1 run per scenario, 8 strings]" if quick == "1" else "") + ".",
        "Server source: server.c (variants by -DVARIANT_LOCAL_COPY, -DVARIANT_SHELL, "
        "-DVARIANT_REMOTE_COPY -DREMOTE_PORT=N); client/listener: client.py. Re-record with: "
        "bash scripts/record-toy-server.sh (pids, ports, addresses and timings differ between recordings; "
        "the loader's calls differ across libc versions).",
        "Sidecar 'workload' gives the number of strings, their length, the number of client connections "
        "and the termination signal of each run. exitStatus is strace's: 0 after SIGINT, 137 (128+SIGKILL) "
        "for benign-kill.",
        "The shell variant's trace holds the server's pid plus the backdoor child (sh -c id) and its id "
        "grandchild under their own pids.",
    ],
}
with open(os.path.join(out, "manifest.json"), "w") as fh:
    fh.write(json.dumps(manifest, indent=2) + "\n")

print(f"  {'scenario':24s} runs  server-calls/run  all-calls/run  bytes/run")
for sc, rows in per_scenario.items():
    sc_calls = [r[0] for r in rows]
    all_calls = [r[1] for r in rows]
    size = [r[2] for r in rows]
    print(f"  {sc:24s} {len(rows):4d}  {min(sc_calls):5d}-{max(sc_calls):<10d}  {min(all_calls):5d}-{max(all_calls):<7d}  "
          f"{min(size)}-{max(size)}")
print(f"  traces+sidecars: {len(files)} files, {total} bytes")
if bad:
    print(f"record-toy-server: {len(bad)} problem(s):", file=sys.stderr)
    for b in bad[:30]:
        print("  " + b, file=sys.stderr)
    sys.exit(1)
PYEOF
echo "record-toy-server: done"
