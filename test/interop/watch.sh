# Watching the servers that run.sh starts as its own children, in the foreground (dovecot -F,
# postfix start-fg, exim -bdf, aiosmtpd): one that exits, while starting or while the
# scenarios run, stops the run at once with its exit code and the last lines of its stderr
# and log, rather than being found by a 30 s port wait or a run of failing scenarios.
# Sourced by run.sh (which defines log and die); test/interop-harness tests it alone.

declare -A SERVER_PID=() SERVER_FILES=()
SERVER_NAMES=()

watch_server() { # name pid file...: the files (stderr, log) whose last lines say why it went
  SERVER_PID[$1]=$2
  SERVER_FILES[$1]="${*:3}"
  SERVER_NAMES+=("$1")
}

server_tail() { # name: the last lines of each of its files that has any
  local f
  for f in ${SERVER_FILES[$1]}; do
    if [ -s "$f" ]; then echo "--- last lines of $f"; tail -n 8 "$f"; fi
  done
}

server_exited() { # name exit-code when: dies
  die "$1 (pid ${SERVER_PID[$1]}) exited with code $2 $3
$(server_tail "$1")"
}

check_server() { # name: dies when that server has exited
  local pid=${SERVER_PID[$1]} rc=0
  kill -0 "$pid" 2>/dev/null && return 0
  wait "$pid" 2>/dev/null || rc=$?
  server_exited "$1" "$rc" "while starting"
}

wait_port() { # name port [seconds]: fails at once when the server of that name has exited
  local deadline=$(( $(date +%s) + ${3:-30} ))
  until (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; do
    [ -z "${SERVER_PID[$1]:-}" ] || check_server "$1"
    [ "$(date +%s)" -lt "$deadline" ] || die "$1 does not answer on 127.0.0.1:$2 (see $RUN/$1/)"
    sleep 0.2
  done
}

watch_runner() { # runner-pid: its exit code; when a server exits first, stops the runner and dies
  local done rc name
  while :; do
    done=
    rc=0
    wait -n -p done "$1" "${SERVER_PID[@]}" || rc=$?
    if [ -z "$done" ] || [ "$done" = "$1" ]; then return "$rc"; fi
    for name in "${SERVER_NAMES[@]}"; do
      [ "${SERVER_PID[$name]}" = "$done" ] || continue
      kill -TERM "$1" 2>/dev/null
      wait "$1" 2>/dev/null
      server_exited "$name" "$rc" "while the scenarios ran (the runner stopped)"
    done
  done
}
