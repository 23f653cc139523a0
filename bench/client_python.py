#!/usr/bin/env python3
"""Benchmark client: Python's smtplib, one job per process.

Takes the harness's JobSpec as JSON in argv[1] (see bench/spec.ts) and prints one JSON
result line. Timing runs from just before connecting to just after QUIT is answered.

Modes: "sequential" (one sendmail after another on each connection; with
connections > 1, one thread per connection) and "stream" (Python's smtplib cannot stream
a body: the whole message is built in memory and passed to sendmail, which is what a
Python user has to do).
"""
import json
import resource
import smtplib
import sys
import threading
import time

FROM = "sender@bench.example"


def recipients(n):
    return ["rcpt%d@bench.example" % (i + 1) for i in range(n)]


def dot_heavy_block(lines, first=0):
    # Same pattern as bench/messages.ts dotHeavyBlock: 78 characters + CRLF, every second
    # line starting with ".".
    alpha = "abcdefghijklmnopqrstuvwxyz0123456789" * 4
    out = []
    for i in range(first, first + lines):
        label = ("." if i % 2 == 1 else "L") + str(i).rjust(7, "0") + " "
        out.append((label + alpha)[:78] + "\r\n")
    return "".join(out).encode("latin1")


def one_connection(spec, msg, to, errors):
    try:
        s = smtplib.SMTP(spec["host"], spec["port"], local_hostname="bench.client")
        for _ in range(spec["count"]):
            refused = s.sendmail(FROM, to, msg)
            if refused:
                raise RuntimeError("recipients refused: %r" % (refused,))
        s.quit()
    except Exception as e:  # reported to the harness
        errors.append("%s: %s" % (type(e).__name__, e))


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    spec = json.loads(sys.argv[1])
    to = recipients(spec["rcpts"])
    result = {"ok": True}
    if spec["mode"] == "stream":
        header = open(spec["headerFile"], "rb").read() if spec.get("headerFile") else b""
        block = dot_heavy_block(1024)
        t0 = time.perf_counter()
        c0 = cpu_seconds()
        msg = header + block * spec["streamChunks"]
        s = smtplib.SMTP(spec["host"], spec["port"], local_hostname="bench.client")
        s.sendmail(FROM, to, msg)
        s.quit()
        elapsed = time.perf_counter() - t0
        cpu = cpu_seconds() - c0
        result.update(messages=1, bytes=len(msg), note="whole message built in memory (timed)")
    else:
        msg = open(spec["msgFile"], "rb").read()
        errors = []
        n = spec["connections"]
        t0 = time.perf_counter()
        c0 = cpu_seconds()
        if n == 1:
            one_connection(spec, msg, to, errors)
        else:
            threads = [threading.Thread(target=one_connection, args=(spec, msg, to, errors)) for _ in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        elapsed = time.perf_counter() - t0
        cpu = cpu_seconds() - c0
        if errors:
            result = {"ok": False, "error": errors[0]}
        total = spec["count"] * n
        result.update(messages=total, bytes=total * len(msg))
    result["elapsedMs"] = elapsed * 1000.0
    result["cpuMs"] = cpu * 1000.0
    result["maxRssKiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
