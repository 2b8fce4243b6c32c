#!/usr/bin/env bash
# Record real Linux services on this machine with strace (datasets/services/).
#
#   bash scripts/record-services.sh                  # 180 s recording -> datasets/services/
#   bash scripts/record-services.sh --duration 300   # record for 300 s
#   bash scripts/record-services.sh --quick          # ~20 s recording (a smoke test)
#   bash scripts/record-services.sh --out DIR        # write traces/, manifest.json, README.md under DIR
#   bash scripts/record-services.sh --max-calls N    # keep the first N calls per service (default 300000)
#   bash scripts/record-services.sh --no-install     # do not apt-get install missing packages
#
# Needs root and Debian (apt-get). Installs what is missing (strace nginx
# redis-server redis-tools postgresql cron rsyslog openssh-server
# openssh-client memcached curl python3 procps util-linux iproute2) with
# services kept from auto-starting by policy-rc.d, then starts nine services
# with private configuration and data under a scratch folder, listening on
# 127.0.0.1 only:
#   nginx (master + 2 workers; static files, /node/ proxied to node-http),
#   redis-server, postgresql (postmaster, its auxiliary processes and one
#   backend per connection), cron (/etc/cron.d/stidebench-services runs a job
#   every minute; the file is removed on exit), rsyslog (/dev/log and UDP on
#   127.0.0.1), sshd (key login as the postgres user running `true`),
#   memcached, a Node.js HTTP server and python3 -m http.server.
# When every service is up, one `strace -f -qq -n -s 0 -o RAW -p PID...` per
# service attaches to all of its processes (steady state: start-up is not
# recorded, processes they fork later are), a loopback client drives light
# activity for DURATION seconds (curl, redis-cli, psql, ssh, logger, a
# memcached text-protocol exchange; one request every 0.4-1.2 s, round-robin
# over the services, sshd every third round), strace detaches, every service
# and process started here is stopped by pid, and scripts/strace-to-unm.ts
# turns each capture into traces/<service>.int.gz (UNM "pid x86_64-syscall-number" lines, gzipped).
set -euo pipefail

usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/datasets/services"
DURATION=180
QUICK=0
MAX_CALLS=300000
INSTALL=1
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) [ $# -ge 2 ] || { echo "record-services: --duration needs seconds" >&2; exit 2; }; DURATION="$2"; shift ;;
    --duration=*) DURATION="${1#--duration=}" ;;
    --quick) QUICK=1; DURATION=20 ;;
    --out) [ $# -ge 2 ] || { echo "record-services: --out needs a directory" >&2; exit 2; }; OUT="$2"; shift ;;
    --out=*) OUT="${1#--out=}" ;;
    --max-calls) [ $# -ge 2 ] || { echo "record-services: --max-calls needs a number" >&2; exit 2; }; MAX_CALLS="$2"; shift ;;
    --max-calls=*) MAX_CALLS="${1#--max-calls=}" ;;
    --no-install) INSTALL=0 ;;
    --keep-work) KEEP=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "record-services: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
case "$DURATION" in ''|*[!0-9]*) echo "record-services: --duration must be whole seconds" >&2; exit 2 ;; esac
case "$MAX_CALLS" in ''|*[!0-9]*|0) echo "record-services: --max-calls must be a positive integer" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "record-services: must run as root (services switch users, strace attaches to them)" >&2; exit 1; }

log() { printf 'record-services: %s\n' "$*"; }
die() { printf 'record-services: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# Packages
PACKAGES=(strace nginx redis-server redis-tools postgresql cron rsyslog openssh-server openssh-client
  memcached curl python3 procps util-linux iproute2 bsdutils)
POLICY_CREATED=0
cleanup_policy() {
  if [ "$POLICY_CREATED" = 1 ]; then rm -f /usr/sbin/policy-rc.d; POLICY_CREATED=0; fi
}
if [ "$INSTALL" = 1 ]; then
  missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing: ${missing[*]}"
    # Keep the packages' maintainer scripts from starting the services.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
      chmod 755 /usr/sbin/policy-rc.d
      POLICY_CREATED=1
      trap cleanup_policy EXIT
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    cleanup_policy
    trap - EXIT
  fi
fi
for tool in strace nginx redis-server redis-cli cron rsyslogd memcached curl logger ssh ssh-keygen setpriv setsid ps; do
  command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool (run without --no-install)"
done
[ -x /usr/sbin/sshd ] || die "missing /usr/sbin/sshd (openssh-server)"
PY=/usr/bin/python3
[ -x "$PY" ] || die "missing $PY (python3)"
NODE="$(command -v node || true)"
[ -n "$NODE" ] || die "missing node"
NODE="$(readlink -f "$NODE")"
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
[ -n "$PGBIN" ] && [ -x "$PGBIN/postgres" ] || die "missing PostgreSQL server binaries under /usr/lib/postgresql"
PSQL="$PGBIN/psql"; [ -x "$PSQL" ] || PSQL="$(command -v psql)"

for d in cron rsyslogd; do
  if pgrep -x "$d" >/dev/null 2>&1; then
    die "$d is already running here (pid $(pgrep -x "$d" | tr '\n' ' ')); stop it first (one instance per machine)"
  fi
done
# /etc/crontab runs cron.daily/weekly/monthly at 06:25-06:52 (apt-compat, dpkg, man-db): keep
# the recording window (plus ~2 min of set-up) clear of it.
now_min=$((10#$(date +%H) * 60 + 10#$(date +%M)))
if [ $((now_min + DURATION / 60 + 3)) -ge $((6 * 60 + 24)) ] && [ "$now_min" -le $((6 * 60 + 55)) ]; then
  die "the recording would overlap the 06:25-06:52 cron.daily/weekly/monthly runs of /etc/crontab; start after 06:55"
fi
[ -e /dev/log ] && die "/dev/log exists: another syslog daemon (or journald) owns it; rsyslogd here needs it"
[ -e /etc/cron.d/stidebench-services ] && die "/etc/cron.d/stidebench-services exists: another recording running?"

# ---------------------------------------------------------------------------
# Scratch folder and clean-up
WORK="$(mktemp -d /tmp/stidebench-services.XXXXXX)"
chmod 755 "$WORK"
mkdir -p "$WORK/raw" "$WORK/stats" "$WORK/logs"
SERVICES=(nginx redis postgresql cron rsyslog sshd memcached node-http python-http)
declare -A MAIN_PID=()    # service -> pid of its main process (a session leader)
declare -A STRACE_PID=()  # service -> pid of its strace
DRIVER_PID=""
DEVLOG_EXISTED=0; [ -e /dev/log ] && DEVLOG_EXISTED=1
RUNSSHD_CREATED=0
CRON_FILE=""

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# Every process of the service whose main pid is $1: its descendants (by parent
# pid) plus every process in its session (services are started with setsid;
# postgres children call setsid themselves, the ppid tree still finds them).
service_pids() {
  ps -e -o pid=,ppid=,sid= | awk -v m="$1" '
    { pid[NR] = $1; ppid[NR] = $2; if ($3 == m || $1 == m) keep[$1] = 1 }
    END {
      do { added = 0
        for (i = 1; i <= NR; i++) if (!(pid[i] in keep) && (ppid[i] in keep)) { keep[pid[i]] = 1; added = 1 }
      } while (added)
      for (p in keep) print p
    }' | sort -n
}

stop_straces() {
  local s p
  for s in "${!STRACE_PID[@]}"; do
    p="${STRACE_PID[$s]}"
    alive "$p" && kill -INT "$p" 2>/dev/null || true
  done
  for s in "${!STRACE_PID[@]}"; do
    p="${STRACE_PID[$s]}"
    local i
    for i in $(seq 1 100); do alive "$p" || break; sleep 0.1; done
    alive "$p" && kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
    unset "STRACE_PID[$s]"
  done
}

stop_services() {
  local s p i left all=()
  # Every process of every service, listed before the main processes go (their
  # children would be reparented and drop out of the ppid tree).
  for s in "${!MAIN_PID[@]}"; do
    for p in $(service_pids "${MAIN_PID[$s]}"); do [ "$p" = "$$" ] || all+=("$p"); done
  done
  for s in "${!MAIN_PID[@]}"; do
    p="${MAIN_PID[$s]}"
    alive "$p" && kill -TERM "$p" 2>/dev/null || true
  done
  for i in $(seq 1 150); do
    left=0
    for p in "${all[@]}"; do alive "$p" && { left=1; break; }; done
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  # Whatever is left (stuck services, strays in their sessions).
  for s in "${!MAIN_PID[@]}"; do
    for p in $(service_pids "${MAIN_PID[$s]}"); do [ "$p" = "$$" ] || all+=("$p"); done
  done
  for p in "${all[@]}"; do alive "$p" && kill -KILL "$p" 2>/dev/null || true; done
  for s in "${!MAIN_PID[@]}"; do
    wait "${MAIN_PID[$s]}" 2>/dev/null || true
    unset "MAIN_PID[$s]"
  done
}

cleanup() {
  local status=$?
  set +e
  if alive "$DRIVER_PID"; then kill -TERM "$DRIVER_PID" 2>/dev/null; wait "$DRIVER_PID" 2>/dev/null; fi
  stop_straces
  stop_services
  [ -n "$CRON_FILE" ] && rm -f "$CRON_FILE"
  [ "$DEVLOG_EXISTED" = 0 ] && [ -S /dev/log ] && rm -f /dev/log
  [ "$RUNSSHD_CREATED" = 1 ] && rmdir /run/sshd 2>/dev/null
  cleanup_policy
  if [ "$KEEP" = 1 ] || [ "$status" != 0 ]; then
    log "scratch folder kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free TCP port on 127.0.0.1, from $1 upwards.
free_port() {
  local p="$1"
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || ss -Htln "sport = :$p" 2>/dev/null | grep -q .; do
    p=$((p + 1))
  done
  echo "$p"
}
wait_port() {
  local port="$1" name="$2" i
  for i in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    alive "${MAIN_PID[$name]}" || die "$name exited during start-up (see $WORK/logs/$name.log)"
    sleep 0.1
  done
  die "$name did not listen on 127.0.0.1:$port"
}

# start NAME CMD... : runs CMD in its own session, output to logs/NAME.log.
start() {
  local name="$1"; shift
  # A clean environment, as an init system would give (not the caller's).
  setsid env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@" \
    </dev/null >"$WORK/logs/$name.log" 2>&1 &
  MAIN_PID[$name]=$!
}
# as_user USER CMD... : the setpriv prefix that runs CMD as USER (exec chain: the pid stays the service's).
as_user() {
  local u="$1" home; shift
  home="$(getent passwd "$u" | cut -d: -f6)"
  AS=(setpriv --reuid="$u" --regid="$u" --init-groups -- env HOME="${home:-/}" USER="$u" LOGNAME="$u" "$@")
}

P_NGINX="$(free_port 18080)"
P_NODE="$(free_port $((P_NGINX + 1)))"
P_PY="$(free_port $((P_NODE + 1)))"
P_REDIS="$(free_port 16379)"
P_PG="$(free_port 15432)"
P_SSH="$(free_port 12222)"
P_MEMC="$(free_port 11311)"
P_SYSLOG="$(free_port 15514)"

# ---------------------------------------------------------------------------
# Content and configuration
mkdir -p "$WORK/www/docs"
cat >"$WORK/www/index.html" <<'EOF'
<!doctype html><html><head><title>stidebench services</title></head>
<body><h1>It works</h1><p>A small static site served by nginx and python3 -m http.server.</p>
<ul><li><a href="about.html">about</a></li><li><a href="docs/">docs</a></li></ul></body></html>
EOF
printf '<!doctype html><html><body><p>About this machine.</p></body></html>\n' >"$WORK/www/about.html"
for i in 1 2 3; do head -c $((2000 * i)) /usr/share/common-licenses/GPL-3 >"$WORK/www/docs/page$i.txt"; done
printf '{"service":"stidebench","items":[1,2,3]}\n' >"$WORK/www/data.json"

# nginx
mkdir -p "$WORK/nginx/tmp" "$WORK/nginx/logs"
cat >"$WORK/nginx/nginx.conf" <<EOF
user www-data;
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 128; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log $WORK/nginx/logs/access.log;
  client_body_temp_path $WORK/nginx/tmp/body;
  proxy_temp_path $WORK/nginx/tmp/proxy;
  fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
  uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
  scgi_temp_path $WORK/nginx/tmp/scgi;
  sendfile on;
  keepalive_timeout 5;
  server {
    listen 127.0.0.1:$P_NGINX;
    root $WORK/www;
    index index.html;
    location /docs/ { autoindex on; }
    location /node/ { proxy_pass http://127.0.0.1:$P_NODE/; }
  }
}
EOF

# redis
mkdir -p "$WORK/redis"; chown redis:redis "$WORK/redis"

# postgresql
mkdir -p "$WORK/pg/sock"; chown -R postgres:postgres "$WORK/pg"
as_user postgres "$PGBIN/initdb" -D "$WORK/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync
"${AS[@]}" >"$WORK/logs/initdb.log" 2>&1 || die "initdb failed (see $WORK/logs/initdb.log)"

# cron: a job every minute, logging through rsyslog
mkdir -p "$WORK/cron"
CRON_FILE=/etc/cron.d/stidebench-services
cat >"$CRON_FILE" <<EOF
# Temporary: written and removed by stidebench scripts/record-services.sh
SHELL=/bin/sh
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
* * * * * root date >>$WORK/cron/ticks; logger -t stidebench-cron "tick \$(wc -l <$WORK/cron/ticks)"
EOF
chmod 644 "$CRON_FILE"

# rsyslog: /dev/log and UDP on 127.0.0.1, files under the scratch folder
mkdir -p "$WORK/rsyslog/spool"
cat >"$WORK/rsyslog/rsyslog.conf" <<EOF
global(workDirectory="$WORK/rsyslog/spool")
module(load="imuxsock")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="$P_SYSLOG")
auth,authpriv.*                 $WORK/rsyslog/auth.log
*.*;auth,authpriv.none          $WORK/rsyslog/syslog
cron.*                          $WORK/rsyslog/cron.log
EOF

# sshd: key login as the postgres user (a real account with a plain shell)
mkdir -p "$WORK/ssh"
if [ ! -d /run/sshd ]; then mkdir -p /run/sshd; chmod 755 /run/sshd; RUNSSHD_CREATED=1; fi
ssh-keygen -q -t ed25519 -N '' -f "$WORK/ssh/host_ed25519" -C stidebench-host
ssh-keygen -q -t ed25519 -N '' -f "$WORK/ssh/client" -C stidebench-client
cp "$WORK/ssh/client.pub" "$WORK/ssh/authorized_keys"; chmod 644 "$WORK/ssh/authorized_keys"
cat >"$WORK/ssh/sshd_config" <<EOF
Port $P_SSH
ListenAddress 127.0.0.1
HostKey $WORK/ssh/host_ed25519
PidFile $WORK/ssh/sshd.pid
AuthorizedKeysFile $WORK/ssh/authorized_keys
StrictModes no
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM yes
PrintMotd no
SyslogFacility AUTH
LogLevel INFO
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
/usr/sbin/sshd -t -f "$WORK/ssh/sshd_config" || die "sshd configuration test failed"
SSH=(ssh -q -i "$WORK/ssh/client" -p "$P_SSH" -o BatchMode=yes -o StrictHostKeyChecking=no
  -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -o LogLevel=ERROR postgres@127.0.0.1)

# memcached: nothing to prepare
# node-http
mkdir -p "$WORK/node"
cat >"$WORK/node/server.mjs" <<'EOF'
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
const [port, www] = process.argv.slice(2);
let hits = 0;
createServer(async (req, res) => {
  hits++;
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/api/time') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ now: new Date().toISOString(), hits }));
  } else if (url.pathname === '/api/data') {
    try {
      const body = await readFile(`${www}/data.json`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    } catch {
      res.writeHead(500).end();
    }
  } else if (url.pathname === '/' ) {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello from node, request ${hits}\n`);
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  }
}).listen(Number(port), '127.0.0.1');
EOF

# ---------------------------------------------------------------------------
# Start the services (untraced), wait until each is up
log "scratch folder $WORK; ports nginx=$P_NGINX node=$P_NODE python=$P_PY redis=$P_REDIS pg=$P_PG ssh=$P_SSH memcached=$P_MEMC syslog-udp=$P_SYSLOG"
start rsyslog rsyslogd -n -f "$WORK/rsyslog/rsyslog.conf" -i "$WORK/rsyslog/rsyslogd.pid"
for i in $(seq 1 100); do [ -S /dev/log ] && break; alive "${MAIN_PID[rsyslog]}" || break; sleep 0.1; done
[ -S /dev/log ] || die "rsyslogd did not create /dev/log (see $WORK/logs/rsyslog.log)"
start cron cron -f
as_user www-data "$NODE" "$WORK/node/server.mjs" "$P_NODE" "$WORK/www"
start node-http "${AS[@]}"
as_user www-data "$PY" -m http.server "$P_PY" --bind 127.0.0.1 --directory "$WORK/www"
start python-http "${AS[@]}"
start nginx nginx -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/logs/error.log" -g 'daemon off;'
as_user redis redis-server --bind 127.0.0.1 --port "$P_REDIS" --dir "$WORK/redis" --daemonize no \
  --save "30 1" --appendonly yes --logfile "$WORK/redis/redis.log"
start redis "${AS[@]}"
as_user postgres "$PGBIN/postgres" -D "$WORK/pg/data" -p "$P_PG" -k "$WORK/pg/sock" \
  -c listen_addresses=127.0.0.1 -c logging_collector=off -c fsync=on
start postgresql "${AS[@]}"
start sshd /usr/sbin/sshd -D -f "$WORK/ssh/sshd_config"
start memcached memcached -u memcache -l 127.0.0.1 -p "$P_MEMC" -U 0 -m 32 -t 2 -c 128
wait_port "$P_NODE" node-http
wait_port "$P_PY" python-http
wait_port "$P_NGINX" nginx
wait_port "$P_REDIS" redis
wait_port "$P_PG" postgresql
wait_port "$P_SSH" sshd
wait_port "$P_MEMC" memcached
sleep 1
for s in "${SERVICES[@]}"; do alive "${MAIN_PID[$s]}" || die "$s is not running (see $WORK/logs/$s.log)"; done

PSQLC=("$PSQL" -X -q -h 127.0.0.1 -p "$P_PG" -U postgres -d postgres -v ON_ERROR_STOP=1)
"${PSQLC[@]}" -c "CREATE TABLE visits (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), path text NOT NULL, status int NOT NULL)" \
  >/dev/null || die "psql could not create the table"
timeout 20 "${SSH[@]}" true || die "ssh key login as postgres@127.0.0.1 failed (see $WORK/rsyslog/auth.log)"

# ---------------------------------------------------------------------------
# Attach strace to every process of every service. A short recording starts at
# second ~45 of a minute so that cron's per-minute job falls inside it.
if [ "$DURATION" -lt 120 ]; then
  sec=$((10#$(date +%S)))
  if [ "$sec" -lt 40 ] || [ "$sec" -gt 48 ]; then
    wait_s=$(( (45 - sec + 60) % 60 ))
    log "waiting ${wait_s}s so that a cron minute falls inside the recording"
    sleep "$wait_s"
  fi
fi
for s in "${SERVICES[@]}"; do
  mapfile -t pids < <(service_pids "${MAIN_PID[$s]}")
  [ "${#pids[@]}" -gt 0 ] || die "$s has no processes"
  args=()
  for p in "${pids[@]}"; do args+=(-p "$p"); done
  strace -f -qq -n -s 0 -o "$WORK/raw/$s.strace" "${args[@]}" 2>"$WORK/logs/strace-$s.log" &
  STRACE_PID[$s]=$!
  echo "${#pids[@]}" >"$WORK/stats/$s.attached"
done
# Wait until every thread of every service is traced.
for i in $(seq 1 200); do
  untraced=0
  for s in "${SERVICES[@]}"; do
    for p in $(service_pids "${MAIN_PID[$s]}"); do
      for st in /proc/"$p"/task/*/status; do
        [ -r "$st" ] || continue
        tp="$(awk '/^TracerPid:/ { print $2 }' "$st" 2>/dev/null || echo 0)"
        [ "${tp:-0}" != 0 ] || untraced=$((untraced + 1))
      done
    done
  done
  [ "$untraced" = 0 ] && break
  sleep 0.1
done
[ "$untraced" = 0 ] || log "warning: $untraced thread(s) still untraced after 20 s"
STARTED_AT="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
ticks() { if [ -f "$WORK/cron/ticks" ]; then wc -l <"$WORK/cron/ticks"; else echo 0; fi; }
TICKS_BEFORE="$(ticks)"
log "recording for ${DURATION}s from $STARTED_AT"

# ---------------------------------------------------------------------------
# Light activity from a loopback client (untraced)
driver() {
  set +e
  RANDOM=20110705
  local end=$((SECONDS + DURATION)) n=0 kind r key
  # sshd (a login is ~3,500 calls) every third round, the other services every round.
  local kinds=(nginx node python redis postgresql memcached syslog sshd
    nginx node python redis postgresql memcached syslog
    nginx node python redis postgresql memcached syslog)
  while [ "$SECONDS" -lt "$end" ]; do
    kind="${kinds[$((n % ${#kinds[@]}))]}"
    r=$((RANDOM % 4))
    key="k$((RANDOM % 50))"
    case "$kind" in
      nginx)
        case "$r" in
          0) curl -fsS -o /dev/null "http://127.0.0.1:$P_NGINX/" ;;
          1) curl -fsS -o /dev/null -o /dev/null "http://127.0.0.1:$P_NGINX/about.html" "http://127.0.0.1:$P_NGINX/docs/page$((RANDOM % 3 + 1)).txt" ;;
          2) curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P_NGINX/missing-$key" | grep -q 404 ;;
          3) curl -fsS -o /dev/null "http://127.0.0.1:$P_NGINX/node/api/time" ;;
        esac ;;
      node)
        case "$r" in
          0|1) curl -fsS -o /dev/null "http://127.0.0.1:$P_NODE/api/time" ;;
          2) curl -fsS -o /dev/null "http://127.0.0.1:$P_NODE/api/data" ;;
          3) curl -fsS -o /dev/null "http://127.0.0.1:$P_NODE/" ;;
        esac ;;
      python)
        case "$r" in
          0) curl -fsS -o /dev/null "http://127.0.0.1:$P_PY/" ;;
          1) curl -fsS -o /dev/null "http://127.0.0.1:$P_PY/docs/" ;;
          2) curl -fsS -o /dev/null "http://127.0.0.1:$P_PY/data.json" ;;
          3) curl -fsS -o /dev/null "http://127.0.0.1:$P_PY/docs/page$((RANDOM % 3 + 1)).txt" ;;
        esac ;;
      redis)
        local rc=(redis-cli -h 127.0.0.1 -p "$P_REDIS")
        case "$r" in
          0) "${rc[@]}" SET "$key" "v$RANDOM" EX 600 >/dev/null && "${rc[@]}" GET "$key" >/dev/null ;;
          1) "${rc[@]}" INCR hits >/dev/null ;;
          2) "${rc[@]}" LPUSH events "e$n" >/dev/null && "${rc[@]}" LTRIM events 0 99 >/dev/null ;;
          3) "${rc[@]}" GET "$key" >/dev/null && "${rc[@]}" LRANGE events 0 9 >/dev/null ;;
        esac ;;
      postgresql)
        case "$r" in
          0|1) "${PSQLC[@]}" -c "INSERT INTO visits (path, status) VALUES ('/p/$key', 200)" >/dev/null ;;
          2) "${PSQLC[@]}" -At -c "SELECT count(*), max(at) FROM visits" >/dev/null ;;
          3) "${PSQLC[@]}" -At -c "SELECT path, count(*) FROM visits GROUP BY path ORDER BY 2 DESC LIMIT 5" >/dev/null ;;
        esac ;;
      memcached)
        (
          exec 3<>"/dev/tcp/127.0.0.1/$P_MEMC" || exit 1
          if [ "$r" -lt 2 ]; then
            printf 'set %s 0 300 5\r\nhello\r\nget %s\r\nquit\r\n' "$key" "$key" >&3
          else
            printf 'get %s\r\nincr counter 1\r\nquit\r\n' "$key" >&3
          fi
          timeout 5 cat <&3 >/dev/null
        ) ;;
      sshd)
        timeout 20 "${SSH[@]}" true ;;
      syslog)
        if [ "$r" -lt 2 ]; then
          logger -t stidebench-client "request $n ok"
        else
          logger -d -n 127.0.0.1 -P "$P_SYSLOG" -t stidebench-client "udp message $n"
        fi ;;
    esac
    printf '%s\t%s\t%s\n' "$kind" "$r" "$?" >>"$WORK/activity.tsv"
    n=$((n + 1))
    sleep "0.$((4 + RANDOM % 9))"
  done
}
: >"$WORK/activity.tsv"
driver >"$WORK/logs/client.log" 2>&1 &
DRIVER_PID=$!
wait "$DRIVER_PID" || true
DRIVER_PID=""
ENDED_AT="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
log "recording done; detaching strace and stopping the services"
stop_straces
CRON_RUNS=$(( $(ticks) - TICKS_BEFORE ))
stop_services
for s in "${SERVICES[@]}"; do
  if [ -s "$WORK/logs/strace-$s.log" ]; then log "strace messages for $s:"; sed 's/^/  /' "$WORK/logs/strace-$s.log" | head -n 5; fi
done

# ---------------------------------------------------------------------------
# Convert to UNM x86_64 numbers, gzipped
mkdir -p "$OUT/traces"
OUT="$(cd "$OUT" && pwd)"
rm -f "$OUT"/traces/*.int.gz
for s in "${SERVICES[@]}"; do
  (cd "$ROOT" && npx --no-install tsx scripts/strace-to-unm.ts "$WORK/raw/$s.strace" "$OUT/traces/$s.int.gz" \
    --max-calls "$MAX_CALLS" --stats "$WORK/stats/$s.json" >/dev/null) || die "conversion of $s failed"
done

# ---------------------------------------------------------------------------
# Manifest and README
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo unknown; }
{
  echo "strace=$(strace -V | head -n1 | sed -n 's/.*version \([0-9][0-9.]*\).*/\1/p')"
  echo "kernel=$(uname -r)"
  echo "arch=$(uname -m)"
  echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
  for p in nginx redis-server "postgresql-$(basename "$(dirname "$PGBIN")")" cron rsyslog openssh-server memcached python3; do
    echo "pkg:$p=$(pkgver "$p")"
  done
  echo "pkg:node=$("$NODE" --version)"
  echo "python=$("$PY" -V 2>&1 | cut -d' ' -f2)"
} >"$WORK/versions.txt"

"$PY" - "$OUT" "$WORK" "$DURATION" "$QUICK" "$MAX_CALLS" "$STARTED_AT" "$ENDED_AT" "$CRON_RUNS" "${SERVICES[@]}" <<'PYEOF'
import collections, hashlib, json, os, sys
out, work, duration, quick, max_calls, started, ended, cron_runs = sys.argv[1:9]
services = sys.argv[9:]
versions = {}
for line in open(os.path.join(work, "versions.txt")):
    k, _, v = line.rstrip("\n").partition("=")
    versions[k] = v
pkgs = {k[4:]: v for k, v in versions.items() if k.startswith("pkg:")}

stats = {}
for s in services:
    st = json.load(open(os.path.join(work, "stats", s + ".json")))
    st["attached"] = int(open(os.path.join(work, "stats", s + ".attached")).read().strip())
    stats[s] = st
    if st["mismatches"] or st["unknownNames"]:
        print(f"record-services: {s}: table mismatches {st['mismatches']} unknown {st['unknownNames']}", file=sys.stderr)
        sys.exit(1)

activity = collections.defaultdict(lambda: [0, 0])
for line in open(os.path.join(work, "activity.tsv")):
    kind, _, rc = line.rstrip("\n").split("\t")
    activity[kind][0 if rc == "0" else 1] += 1
total_requests = sum(ok + bad for ok, bad in activity.values())
failed = sum(bad for _, bad in activity.values())

files = {}
total_bytes = 0
for s in services:
    rel = f"traces/{s}.int.gz"
    data = open(os.path.join(out, rel), "rb").read()
    files[rel] = hashlib.sha256(data).hexdigest()
    total_bytes += len(data)
total_calls = sum(st["calls"] for st in stats.values())
capped = [s for s in services if stats[s]["capped"]]

what = {
    "nginx": ("nginx", "master + 2 worker processes (user www-data); static files, autoindex, a 404, /node/ proxied to node-http"),
    "redis": ("redis-server", "as user redis; SET/GET/INCR/LPUSH/LTRIM/LRANGE, background save (fork) every 30 s after changes, append-only file"),
    "postgresql": (f"postgresql-{[k for k in pkgs if k.startswith('postgresql-')][0].split('-')[1]}", "postmaster and its auxiliary processes (user postgres); one backend process per psql connection doing INSERT or SELECT"),
    "cron": ("cron", "cron -f; /etc/cron.d job every minute (date >> file; logger), run through PAM and /bin/sh"),
    "rsyslog": ("rsyslog", "rsyslogd -n: /dev/log (imuxsock) and UDP 127.0.0.1 (imudp) to files; receives cron, sshd/PAM and logger messages"),
    "sshd": ("openssh-server", "sshd -D (UsePAM yes); per connection: privilege-separated children, key login as postgres, `true` run by bash"),
    "memcached": ("memcached", "memcached -u memcache -t 2; set/get/incr over the text protocol"),
    "node-http": ("node", "node:http server as www-data; /api/time, /api/data (reads a file), /"),
    "python-http": ("python3", "python3 -m http.server as www-data (a thread per request); files and directory listings"),
}
client_of = {"nginx": "nginx", "redis": "redis", "postgresql": "postgresql", "cron": None, "rsyslog": "syslog",
             "sshd": "sshd", "memcached": "memcached", "node-http": "node", "python-http": "python"}

note_versions = ", ".join(f"{p} {v}" for p, v in pkgs.items())
manifest = {
    "name": "services",
    "title": "Linux services on a Debian machine, recorded with strace",
    "description": (
        f"System calls of {len(services)} long-running services ({', '.join(services)}) on one Debian machine "
        f"with light loopback activity, recorded with strace -f for {duration} s, after the 'idle machine running "
        "services' training trace of Maiero & Miculan (SECRYPT 2011, section 4.1). One file per service; one "
        "trace per recorded pid (threads count as pids). All traces are normal behaviour."
    ),
    "format": "unm",
    "root": ".",
    "embedded": True,
    "program": "services",
    "syscallTable": {"kind": "linux-x86_64"},
    "rules": [{"pattern": "^traces/([a-z0-9-]+)\\.int\\.gz$", "label": "normal", "program": "$1"}],
    "subsets": {"all": "^traces/"},
    "source": {"homepage": "recorded by scripts/record-services.sh", "urls": [], "citation": [
        "C. Maiero and M. Miculan, Unobservable intrusion detection based on call traces in paravirtualized "
        "systems, SECRYPT 2011"]},
    "files": {k: files[k] for k in sorted(files)},
    "notes": [
        f"Recorded {started} to {ended} with strace {versions['strace']} (strace -f -qq -n -s 0 -p PID... attached "
        f"to every process of each running service) on Linux {versions['kernel']} ({versions['arch']}), {versions['os']}"
        + (" [--quick]" if quick == "1" else "") + ".",
        f"Packages: {note_versions}; Python {versions['python']}.",
        f"Duration {duration} s of steady state (service start-up and shut-down are not recorded; processes forked "
        f"during the recording are, from their fork). Activity: {total_requests} client actions, one every 0.4-1.2 s "
        f"round-robin over nginx, node-http, python-http, redis, postgresql, memcached and rsyslog, sshd every third round "
        f"({failed} failed); cron ran its per-minute job {cron_runs} time(s).",
        "Format: UNM lines 'pid syscall-number', x86_64 numbers as printed by strace -n (checked against the "
        "linux-x86_64 table); a call split by <unfinished ...> counts once; resumed halves, signals and exits are "
        "not calls. Pids are as recorded (strace -f prints thread ids, so a thread is a trace of its own).",
        f"Cap: at most {max_calls} calls per service (the first ones in time order); "
        + (f"capped: {', '.join(capped)}." if capped else "no service reached it."),
        "Re-record with: sudo bash scripts/record-services.sh [--duration S] (pids, timings and the mix of "
        "calls differ between recordings).",
    ],
}
with open(os.path.join(out, "manifest.json"), "w") as fh:
    fh.write(json.dumps(manifest, indent=2) + "\n")

def fmt(n):
    return f"{n:,}"

rows = []
for s in services:
    st = stats[s]
    pkg, desc = what[s]
    ver = pkgs.get(pkg, pkgs.get(pkg.split("-")[0], ""))
    client = client_of[s]
    acts = "-" if client is None else f"{sum(activity[client])}" + (f" ({activity[client][1]} failed)" if activity[client][1] else "")
    if s == "cron":
        acts = f"{cron_runs} job run(s)"
    rows.append(f"| {s} | {pkg} {ver} | {st['attached']} | {fmt(st['processes'])} | {fmt(st['calls'])}"
                + (f" (of {fmt(st['recordedCalls'])})" if st["capped"] else "")
                + f" | {st['distinctCalls']} | {fmt(st['bytes'])} | {acts} |")
desc_lines = "\n".join(f"- **{s}** ({what[s][0]}): {what[s][1]}." for s in services)

readme = f"""# services: Linux services recorded with strace

System calls of {len(services)} real long-running services on one Debian machine, recorded by
`scripts/record-services.sh` with `strace -f` while a loopback client gave them light, realistic
work. It plays the part of the "idle" Linux machine running services whose 300,000-call trace
trained the shared database in Maiero & Miculan (SECRYPT 2011), section 4.1. Every trace is
normal behaviour (no attacks).

## Services

{desc_lines}

Every service runs with private configuration and data in a scratch folder under `/tmp` and listens
on 127.0.0.1 only; the cron job file `/etc/cron.d/stidebench-services` and `/dev/log` exist only
while the script runs.

## Recording

- Recorded {started} to {ended}: **{duration} s**{" (`--quick`)" if quick == "1" else ""}, on Linux
  {versions['kernel']} ({versions['arch']}), {versions['os']}, strace {versions['strace']}.
- The services are started first (untraced); then one `strace -f -qq -n -s 0 -o RAW -p PID...` per
  service attaches to every process of the service. So the traces are steady-state behaviour:
  start-up and shut-down are not recorded; processes the services fork during the recording
  (postgres backends, sshd connection handlers, cron jobs and their shells, redis background saves,
  python request threads) are, from the fork on.
- Activity: {total_requests} client actions ({failed} failed), one every 0.4-1.2 s, round-robin
  over nginx, node-http, python-http, redis, postgresql, memcached and rsyslog, with an sshd login
  every third round (`curl`,
  `redis-cli`, `psql`, `ssh postgres@127.0.0.1 true` with a key, `logger` to /dev/log and over
  UDP, memcached's text protocol over a bash TCP socket); cron ran its per-minute job {cron_runs}
  time(s). The client itself is not traced.

## Format

`traces/<service>.int.gz`: UNM style, one line `pid syscall-number` per call, **x86_64 numbers**
(as printed by `strace -n`, cross-checked against `src/traces/syscalls/linux-x86_64.ts`), gzipped.
Converted by `scripts/strace-to-unm.ts`: a call split by `<unfinished ...>` counts once; `<... resumed>`
halves, signals and exits are not calls. Pids are kept as recorded; strace -f prints thread ids, so
every thread is a trace of its own. The manifest's rule labels every file `normal` and sets the
program to the service name (`program: "$1"`).

Cap: at most {fmt(int(max_calls))} calls per service (the first in time order);
{("capped: " + ", ".join(capped)) if capped else "no service reached it"}.

## Counts

| service | package | processes at attach | pids (traces) | calls | distinct calls | bytes (gz) | client actions |
| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |
{chr(10).join(rows)}
| **total** | | | {fmt(sum(st['processes'] for st in stats.values()))} | {fmt(total_calls)} | | {fmt(total_bytes)} | {total_requests} |

"processes at attach" counts the processes strace was attached to; "pids (traces)" counts every
pid and thread id with at least one call in the file, including those forked later.

## Re-recording

```sh
sudo bash scripts/record-services.sh                         # 180 s; rewrites this folder
sudo bash scripts/record-services.sh --duration 600          # longer
sudo bash scripts/record-services.sh --quick --out /tmp/svc  # ~20 s smoke test elsewhere
```

It needs root and Debian: it installs what is missing with apt-get (services are kept from
auto-starting), refuses to run when cron or rsyslogd already runs, and stops every process it started
(by pid) on exit. Pids, timings and the mix of calls differ between recordings. A whole run takes
about DURATION + 1-2 minutes (package checks, initdb, start-up, conversion).

## Caveats

- One machine and one recording of a few minutes (the paper's idle trace had 300,000 calls, plus
  sendmail traces). The calls are dominated by sshd logins (each login re-executes sshd and runs the PAM stack,
  pam_motd's `run-parts /etc/update-motd.d` and bash). Idle services (redis's 10 Hz timer, cron's
  minute sleep, postgres's auxiliary processes) contribute repetitive short loops.
- The traces depend on this machine: kernel, libc, package versions, the locale (services run with
  `env -i PATH=... LANG=C.UTF-8`) and PAM configuration. There is no systemd here, so services run
  in the foreground from the script rather than as units; sshd logs through rsyslog's /dev/log.
- Node.js is the machine's own `node` binary ({pkgs.get('node', '?')}), not Debian's nodejs package;
  the HTTP servers are small scripts, not production applications.
- strace attaches with ptrace, which slows the traced processes; timings are not representative.

Packages: {note_versions}; Python {versions['python']}.
"""
with open(os.path.join(out, "README.md"), "w") as fh:
    fh.write(readme)

print(f"  {'service':12s} {'attached':>8s} {'pids':>6s} {'calls':>9s} {'bytes':>9s}")
for s in services:
    st = stats[s]
    print(f"  {s:12s} {st['attached']:8d} {st['processes']:6d} {st['calls']:9d} {st['bytes']:9d}" + ("  (capped)" if st["capped"] else ""))
print(f"  {'total':12s} {'':8s} {sum(st['processes'] for st in stats.values()):6d} {total_calls:9d} {total_bytes:9d}")
print(f"  client actions: {total_requests} ({failed} failed); cron job runs: {cron_runs}")
PYEOF
log "done: $OUT"
