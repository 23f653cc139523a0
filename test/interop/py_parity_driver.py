"""Runs a list of smtplib calls against a real server for the interop parity scenario
(test/interop/scenarios-parity.ts), with CPython's smtplib.

Reads one JSON object on stdin: {"host": str, "port": int, "lmtp": bool, "calls": [...]}
(a host starting with "/" is an LMTP Unix socket) and prints {"outcomes": [...]}, one
outcome per call. Calls and outcomes are those of test/parity/py_send_driver.py, whose
functions this reuses; a message may also be {"str": head, "pad": n}: head followed by n
lines of 76 "x" characters (an oversized message without a 100 MB JSON document).
"""

import json
import os
import smtplib
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
import py_send_driver as base  # noqa: E402

_body = base.body


def body(spec):
    if "pad" in spec:
        return spec["str"] + ("x" * 76 + "\r\n") * spec["pad"]
    return _body(spec)


base.body = body


def main():
    spec = json.load(sys.stdin)
    cls = smtplib.LMTP if spec.get("lmtp") else smtplib.SMTP
    client = cls(spec["host"], spec.get("port", 0), local_hostname="client.test", timeout=60)
    outcomes = []
    for call in spec["calls"]:
        try:
            outcomes.append({"ok": base.run(client, call)})
        except Exception as err:  # every failure is an outcome to compare
            outcomes.append({"error": base.describe(err)})
    try:
        client.quit()
    except Exception:  # noqa: BLE001 (already closed)
        client.close()
    json.dump({"outcomes": outcomes}, sys.stdout)


main()
