#!/usr/bin/env bash
# The interop suite: installs and starts real mail servers on loopback high ports, runs the
# scenarios of test/interop/runner.ts against them with the compiled library, writes
# test/interop/MATRIX.md, and stops every server it started (also on failure or Ctrl-C).
#
# Needs root on Debian 12 (apt-get). Usage: bash test/interop/run.sh
# Environment: INTEROP_SKIP_INSTALL=1 skips apt-get; INTEROP_SKIP_BUILD=1 runs build/ as it is;
#              INTEROP_KEEP=1 leaves the servers running for debugging (stop with run.sh --stop).
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUN="$HERE/.run"
CACHE="$RUN/cache"
T0=$(date +%s)
PY=/usr/bin/python3 # Debian's python (aiosmtpd is a Debian package), not a pyenv shim

log() { echo "[interop +$(( $(date +%s) - T0 ))s] $*"; }
die() { log "ERROR: $*" >&2; exit 1; }

# ---------------------------------------------------------------- stopping (by PID only)
# Waits up to ~10 s for each PID to go away, then sends SIGKILL to that PID.
wait_gone() {
  local pid
  for pid in "$@"; do
    [ -n "$pid" ] || continue
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid still alive after 10 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}
children_of() { ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' || true; }
# True when PID is one of ours: its command line or environment names this run's files (a
# stale pid file must never make us signal a process that merely reuses the number).
ours() { # pid mark
  grep -qaF "$2" "/proc/$1/cmdline" 2>/dev/null || grep -qaF "$2" "/proc/$1/environ" 2>/dev/null
}
stop_pidfile() { # name pidfile mark
  local f=$2 pid kids
  [ -f "$f" ] || return 0
  pid=$(tr -dc '0-9' < "$f")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && ours "$pid" "$3"; then
    kids=$(children_of "$pid")
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid" $kids
    log "stopped $1 (pid $pid)"
  fi
  rm -f "$f"
}
stop_all() {
  set +e
  if [ -f "$RUN/postfix/etc/main.cf" ] && [ -f "$RUN/postfix/queue/pid/master.pid" ]; then
    local pmaster pkids
    pmaster=$(tr -dc '0-9' < "$RUN/postfix/queue/pid/master.pid")
    if [ -n "$pmaster" ] && kill -0 "$pmaster" 2>/dev/null && ours "$pmaster" "$RUN/postfix/etc"; then
      pkids=$(children_of "$pmaster")
      postfix -c "$RUN/postfix/etc" stop >/dev/null 2>&1 || kill -TERM "$pmaster"
      wait_gone "$pmaster" $pkids
      log "stopped postfix (master pid $pmaster)"
    fi
  fi
  stop_pidfile exim "$RUN/exim/exim.pid" "$RUN/exim/exim.conf"
  stop_pidfile aiosmtpd "$RUN/aiosmtpd/pid" "$RUN/aiosmtpd"
  stop_pidfile dovecot "$RUN/dovecot/base/master.pid" "$RUN/dovecot/dovecot.conf"
  stop_pidfile oauth-introspection "$RUN/oauth/pid" "$RUN/oauth/"
  set -e
}

if [ "${1:-}" = "--stop" ]; then stop_all; exit 0; fi

# INTEROP_ONLY's ids, checked before anything is installed, started or removed: the runner
# bundled on its own by esbuild (a fraction of a second, unlike the full compile) says
# which ids name no scenario and the nearest known ones, and the run stops with exit 2.
if [ -n "${INTEROP_ONLY:-}" ]; then
  # Inside the checkout (test/interop/.run, git-ignored), so that its imports resolve.
  mkdir -p "$RUN"
  IDS_JS="$RUN/ids-check.$$.mjs"
  IDS_RC=0
  if "$ROOT/node_modules/.bin/esbuild" "$HERE/runner.ts" --bundle --platform=node --format=esm --packages=external \
       --log-level=error --outfile="$IDS_JS" >"$IDS_JS.log" 2>&1; then
    node "$IDS_JS" --check-ids || IDS_RC=$?
  else
    log "could not bundle runner.ts to check INTEROP_ONLY (the runner checks it later): $(head -3 "$IDS_JS.log")"
  fi
  rm -f "$IDS_JS" "$IDS_JS.log"
  [ $IDS_RC != 2 ] || exit 2
  [ $IDS_RC = 0 ] || log "checking INTEROP_ONLY failed (exit $IDS_RC; the runner checks it later)"
fi
[ "$(id -u)" = 0 ] || die "run as root (installs packages with apt-get and starts mail daemons)"

RUNNER_PID=
TSC_PID=
DIST_PID=
on_exit() {
  local rc=$? pid
  for pid in "$TSC_PID" "$DIST_PID"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null
      wait_gone "$pid"
    fi
  done
  if [ -n "$RUNNER_PID" ] && kill -0 "$RUNNER_PID" 2>/dev/null; then
    kill -TERM "$RUNNER_PID" 2>/dev/null
    wait_gone "$RUNNER_PID"
  fi
  if [ "${INTEROP_KEEP:-0}" = 1 ]; then
    log "INTEROP_KEEP=1: servers left running; stop them with: bash test/interop/run.sh --stop"
  else
    stop_all
  fi
  log "finished with exit code $rc in $(( $(date +%s) - T0 )) s"
  exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- installing
APT_UPDATED=0
apt_update_once() {
  if [ $APT_UPDATED = 0 ]; then
    log "apt-get update"
    apt-get update -qq
    APT_UPDATED=1
  fi
}
missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}
install_packages() {
  # Exim is not installed (it conflicts with postfix): only its libraries are, see below.
  local want=(postfix dovecot-core dovecot-lmtpd python3-aiosmtpd openssl ca-certificates
              libidn12 libgnutls-dane0 libgnutls30 libdb5.3 libnsl2 libpcre2-8-0 libidn2-0)
  local missing
  missing=$(missing_packages "${want[@]}")
  if [ -n "$missing" ]; then
    log "installing:" $missing
    apt_update_once
    # Postfix must not configure or start a system mail server, nor Dovecot a system service:
    # "No configuration" for postfix, and a policy-rc.d that forbids starting services while
    # installing (unless the machine already has one).
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    local policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\n# written by test/interop/run.sh during apt-get install\nexit 101\n' > /usr/sbin/policy-rc.d
      chmod 755 /usr/sbin/policy-rc.d
      policy=1
    fi
    local rc=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $missing >"$RUN/apt.log" 2>&1 || rc=$?
    [ $policy = 0 ] || rm -f /usr/sbin/policy-rc.d
    [ $rc = 0 ] || { tail -30 "$RUN/apt.log"; die "apt-get install failed (log: $RUN/apt.log)"; }
  fi
  # Exim from its unpacked package, run with our own configuration file.
  if [ ! -x "$CACHE/exim/usr/sbin/exim4" ]; then
    log "unpacking exim4-daemon-light"
    mkdir -p "$CACHE/debs" "$CACHE/exim"
    ( cd "$CACHE/debs" && apt-get download exim4-daemon-light exim4-base >/dev/null 2>&1 ) \
      || { apt_update_once; ( cd "$CACHE/debs" && apt-get download exim4-daemon-light exim4-base >/dev/null 2>&1 ); } \
      || die "apt-get download exim4-daemon-light exim4-base failed"
    local deb
    for deb in "$CACHE"/debs/exim4-*.deb; do dpkg-deb -x "$deb" "$CACHE/exim"; done
  fi
  # Debian's exim binary has its default user compiled in and looks it up at start-up.
  getent passwd Debian-exim >/dev/null || useradd --system --user-group --no-create-home \
    --home-dir /nonexistent --shell /usr/sbin/nologin Debian-exim
}

# ---------------------------------------------------------------- helpers
free_ports() { # N: prints N distinct free TCP ports on 127.0.0.1
  node -e '
    const net = require("node:net");
    const n = Number(process.argv[1]); const servers = [];
    (async () => {
      for (let i = 0; i < n; i++) {
        const s = net.createServer(); servers.push(s);
        await new Promise((r) => s.listen(0, "127.0.0.1", r));
      }
      console.log(servers.map((s) => s.address().port).join(" "));
      servers.forEach((s) => s.close());
    })();' "$1"
}
# wait_port (fails at once when the server has exited), watch_server, watch_runner:
# shellcheck source=watch.sh
source "$HERE/watch.sh"
wait_socket() { # name path [seconds]
  local deadline=$(( $(date +%s) + ${3:-30} ))
  until [ -S "$2" ] && "$PY" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1]); sys.exit(0 if s.recv(3)==b"220" else 1)' "$2" 2>/dev/null; do
    check_server "$1"
    [ "$(date +%s)" -lt "$deadline" ] || die "$1 does not answer on $2"
    sleep 0.2
  done
}
render() { # template output: fills in @RUN@ and @PORT_*@
  sed -e "s|@RUN@|$RUN|g" -e "s|@PORT_POSTFIX@|$PORT_POSTFIX|g" -e "s|@PORT_POSTFIX_SMTPS@|$PORT_POSTFIX_SMTPS|g" \
      -e "s|@PORT_POSTFIX_SIZE@|$PORT_POSTFIX_SIZE|g" -e "s|@POSTFIX_SIZE_LIMIT@|$POSTFIX_SIZE_LIMIT|g" \
      -e "s|@PORT_EXIM@|$PORT_EXIM|g" -e "s|@PORT_EXIM_TLS@|$PORT_EXIM_TLS|g" -e "s|@PORT_OAUTH@|$PORT_OAUTH|g" "$1" > "$2"
}

# ---------------------------------------------------------------- the run
mkdir -p "$RUN"
stop_all # leftovers of an interrupted earlier run
find "$RUN" -mindepth 1 -maxdepth 1 ! -name cache ! -name apt.log -exec rm -rf {} +

[ "${INTEROP_SKIP_INSTALL:-0}" = 1 ] || install_packages
for cmd in postfix postconf dovecot openssl node; do command -v "$cmd" >/dev/null || die "$cmd not found"; done
"$PY" -c "import aiosmtpd" 2>/dev/null || die "python3-aiosmtpd not importable by $PY"

# The project's tsconfig, compiled into .run/build while the servers start: the library and
# the scenarios of this checkout, safe from anyone rebuilding build/ meanwhile.
# INTEROP_SKIP_BUILD=1 uses build/ as it is. Type errors elsewhere in the tree still emit
# JavaScript; the runner reports what fails.
BUILD="$RUN/build"
if [ "${INTEROP_SKIP_BUILD:-0}" = 1 ]; then
  BUILD="$ROOT/build"
else
  log "compiling in the background (tsc -p tsconfig.json --outDir ${BUILD#"$ROOT"/})"
  # node runs tsc itself (not through npx), so that TSC_PID is the compiler to stop on exit.
  ( cd "$ROOT" && exec node node_modules/typescript/bin/tsc -p tsconfig.json --outDir "$BUILD" ) > "$RUN/tsc.log" 2>&1 &
  TSC_PID=$!
  # dist/ too (package.json's bin, which cli-lmtp-quota runs), from the same sources.
  log "building dist/ in the background (node scripts/build.mjs)"
  ( cd "$ROOT" && exec node scripts/build.mjs ) > "$RUN/dist.log" 2>&1 &
  DIST_PID=$!
fi

log "test CA and server certificate (localhost, 127.0.0.1, ::1)"
mkdir -p "$RUN/certs"
(
  cd "$RUN/certs"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
    -subj "/CN=smtplib interop test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" >/dev/null 2>&1
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" > server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
    -extfile server.ext >/dev/null 2>&1
  openssl verify -CAfile ca.pem server.pem >/dev/null
  chmod 644 server.key # Exim reads it after dropping to nobody; a throw-away test key
)

read -r PORT_POSTFIX PORT_POSTFIX_SMTPS PORT_POSTFIX_SIZE PORT_EXIM PORT_EXIM_TLS PORT_AIO PORT_AIO_TLS PORT_OAUTH <<<"$(free_ports 8)"
# Postfix's third smtpd: message_size_limit (and so its SIZE) this small, for size-limit.
POSTFIX_SIZE_LIMIT=100000
# The one bearer token the introspection endpoint holds active (for alice): XOAUTH2 and
# OAUTHBEARER through Postfix, Dovecot's oauth2 passdb and oauth/introspection.mjs.
OAUTH_TOKEN=interop-oauth2.alice.Zt3Kq9
OAUTH_USER=alice@example.test
log "ports: postfix $PORT_POSTFIX (smtps $PORT_POSTFIX_SMTPS, SIZE $POSTFIX_SIZE_LIMIT on $PORT_POSTFIX_SIZE), exim $PORT_EXIM (tls $PORT_EXIM_TLS), aiosmtpd $PORT_AIO (tls $PORT_AIO_TLS), oauth introspection $PORT_OAUTH"

# Postfix: its queue must exist before Dovecot puts the auth socket into queue/private.
mkdir -p "$RUN/postfix/etc" "$RUN/postfix/queue" "$RUN/postfix/data" "$RUN/postfix/mail"
render "$HERE/postfix/main.cf.in" "$RUN/postfix/etc/main.cf"
render "$HERE/postfix/master.cf.in" "$RUN/postfix/etc/master.cf"
cp "$HERE/postfix/vmailbox" "$HERE/postfix/sender_access" "$HERE/postfix/recipient_access" "$RUN/postfix/etc/"
chown postfix:postfix "$RUN/postfix/data"
chown 65534:65534 "$RUN/postfix/mail"
postfix -c "$RUN/postfix/etc" check || die "postfix check failed (run it in a terminal to see why)"

# The token introspection endpoint that Dovecot's oauth2 passdb asks (before Dovecot starts).
log "starting the oauth introspection endpoint on $PORT_OAUTH"
mkdir -p "$RUN/oauth"
node "$HERE/oauth/introspection.mjs" "$PORT_OAUTH" "$OAUTH_TOKEN" "$OAUTH_USER" "$RUN/oauth/introspection.log" \
  >"$RUN/oauth/stderr.log" 2>&1 &
OAUTH_PID=$!
echo $OAUTH_PID > "$RUN/oauth/pid"
watch_server oauth-introspection $OAUTH_PID "$RUN/oauth/stderr.log" "$RUN/oauth/introspection.log"
wait_port oauth-introspection "$PORT_OAUTH"

log "starting dovecot (LMTP on $RUN/dovecot/lmtp, SASL for postfix)"
mkdir -p "$RUN/dovecot/mail" "$RUN/dovecot/home"
chown 65534:65534 "$RUN/dovecot/mail" "$RUN/dovecot/home"
render "$HERE/dovecot/dovecot.conf.in" "$RUN/dovecot/dovecot.conf"
render "$HERE/dovecot/oauth2.conf.ext.in" "$RUN/dovecot/oauth2.conf.ext"
cp "$HERE/dovecot/users" "$RUN/dovecot/users"
# Each server runs in the foreground as a child of this script, watched (watch.sh): one that
# exits stops the run at once with its exit code and its last lines.
dovecot -F -c "$RUN/dovecot/dovecot.conf" >"$RUN/dovecot/stderr.log" 2>&1 &
watch_server dovecot $! "$RUN/dovecot/stderr.log" "$RUN/dovecot/dovecot.log"
wait_socket dovecot "$RUN/dovecot/lmtp"
for _ in $(seq 1 50); do [ -S "$RUN/postfix/queue/private/auth" ] && break; sleep 0.1; done

log "starting postfix on $PORT_POSTFIX, $PORT_POSTFIX_SMTPS and $PORT_POSTFIX_SIZE"
postfix -c "$RUN/postfix/etc" start-fg >"$RUN/postfix/stderr.log" 2>&1 &
watch_server postfix $! "$RUN/postfix/stderr.log" "$RUN/postfix/postfix.log"
wait_port postfix "$PORT_POSTFIX"
wait_port postfix "$PORT_POSTFIX_SMTPS"
wait_port postfix "$PORT_POSTFIX_SIZE"

log "starting exim on $PORT_EXIM and $PORT_EXIM_TLS"
mkdir -p "$RUN/exim/spool" "$RUN/exim/log" "$RUN/exim/mail"
chown 65534:65534 "$RUN/exim/spool" "$RUN/exim/log" "$RUN/exim/mail"
# Exim also listens on ::1 (for the IPv6 scenario) where this machine has IPv6 loopback.
EXIM_IPV6=false
EXIM_INTERFACES="127.0.0.1"
if node -e 'require("node:net").createServer().listen(0, "::1", function () { this.close(); }).on("error", () => process.exit(1))' 2>/dev/null; then
  EXIM_IPV6=true
  EXIM_INTERFACES="127.0.0.1 ; ::1"
fi
sed -e "s|@EXIM_BIN@|$CACHE/exim/usr/sbin/exim4|g" -e "s|@EXIM_INTERFACES@|$EXIM_INTERFACES|g" \
  "$HERE/exim/exim.conf.in" > "$RUN/exim/exim.conf.in"
render "$RUN/exim/exim.conf.in" "$RUN/exim/exim.conf"
"$CACHE/exim/usr/sbin/exim4" -C "$RUN/exim/exim.conf" -bdf >"$RUN/exim/stderr.log" 2>&1 &
EXIM_PID=$!
watch_server exim $EXIM_PID "$RUN/exim/stderr.log" "$RUN/exim/log/mainlog" "$RUN/exim/log/paniclog"
wait_port exim "$PORT_EXIM"
wait_port exim "$PORT_EXIM_TLS"
[ -s "$RUN/exim/exim.pid" ] || echo $EXIM_PID > "$RUN/exim/exim.pid" # for stop_all

log "starting aiosmtpd on $PORT_AIO and $PORT_AIO_TLS"
mkdir -p "$RUN/aiosmtpd/mail"
"$PY" "$HERE/aiosmtpd/server.py" "$RUN/aiosmtpd/mail" "$PORT_AIO" "$PORT_AIO_TLS" \
  "$RUN/certs/server.pem" "$RUN/certs/server.key" "$RUN/aiosmtpd/pid" >"$RUN/aiosmtpd/server.log" 2>&1 &
AIO_PID=$!
echo $AIO_PID > "$RUN/aiosmtpd/pid"
watch_server aiosmtpd $AIO_PID "$RUN/aiosmtpd/server.log"
wait_port aiosmtpd "$PORT_AIO"
wait_port aiosmtpd "$PORT_AIO_TLS"

# What ran, for MATRIX.md: each server's version as it reports itself (Exim's from its
# package), and the checkout's commit (with "+changes" when the tree differs from it).
one_line() { tr -d '"\\' | head -1 | tr -d '\r\n'; }
V_POSTFIX=$(postconf -d -h mail_version 2>/dev/null | one_line) || true
V_DOVECOT=$(dovecot --version 2>/dev/null | one_line) || true
V_EXIM=$(dpkg-deb -f "$(ls "$CACHE"/debs/exim4-daemon-light_*.deb 2>/dev/null | head -1)" Version 2>/dev/null | one_line) || true
V_AIOSMTPD=$("$PY" -c 'import aiosmtpd; print(aiosmtpd.__version__)' 2>/dev/null | one_line) || true
V_OPENSSL=$(openssl version 2>/dev/null | cut -d" " -f1-2 | one_line) || true
V_COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null | one_line) || true
if [ -n "$V_COMMIT" ] && [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | grep -v ' test/interop/MATRIX.md$')" ]; then
  V_COMMIT="$V_COMMIT+changes"
fi

cat > "$RUN/servers.json" <<EOF
{
  "runDir": "$RUN",
  "versions": { "postfix": "$V_POSTFIX", "dovecot": "$V_DOVECOT", "exim": "$V_EXIM", "aiosmtpd": "$V_AIOSMTPD", "openssl": "$V_OPENSSL", "commit": "$V_COMMIT" },
  "caFile": "$RUN/certs/ca.pem",
  "user": "alice@example.test",
  "password": "secret-alice",
  "oauth": { "token": "$OAUTH_TOKEN", "user": "$OAUTH_USER", "port": $PORT_OAUTH, "log": "$RUN/oauth/introspection.log" },
  "postfix": { "port": $PORT_POSTFIX, "tlsPort": $PORT_POSTFIX_SMTPS, "sizePort": $PORT_POSTFIX_SIZE, "sizeLimit": $POSTFIX_SIZE_LIMIT, "maildir": "$RUN/postfix/mail/all", "log": "$RUN/postfix/postfix.log" },
  "exim": { "port": $PORT_EXIM, "tlsPort": $PORT_EXIM_TLS, "ipv6": $EXIM_IPV6, "maildir": "$RUN/exim/mail/all", "log": "$RUN/exim/log/mainlog" },
  "aiosmtpd": { "port": $PORT_AIO, "tlsPort": $PORT_AIO_TLS, "dir": "$RUN/aiosmtpd/mail", "log": "$RUN/aiosmtpd/server.log" },
  "dovecot": { "socket": "$RUN/dovecot/lmtp", "mailRoot": "$RUN/dovecot/mail", "log": "$RUN/dovecot/dovecot.log" }
}
EOF
log "servers up"

cd "$ROOT"
[ -z "$TSC_PID" ] || { wait "$TSC_PID" || log "tsc reported errors (see $RUN/tsc.log); running anyway"; TSC_PID=; }
[ -z "$DIST_PID" ] || { wait "$DIST_PID" || log "building dist/ failed (see $RUN/dist.log); running anyway"; DIST_PID=; }
[ -f "$BUILD/test/interop/runner.js" ] || die "$BUILD/test/interop/runner.js missing: compile with npx tsc -p tsconfig.json"

log "running scenarios"
# In the background so that a TERM to this script runs the clean-up at once; bounded in time.
set +e
timeout --kill-after=10 1200 node "$BUILD/test/interop/runner.js" "$RUN/servers.json" "$HERE/MATRIX.md" &
RUNNER_PID=$!
watch_runner $RUNNER_PID
RC=$?
RUNNER_PID=
set -e
[ $RC != 124 ] || log "the scenarios did not finish within 20 minutes"
exit $RC
