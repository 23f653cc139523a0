"""Plays a session-level scenario with CPython's smtplib, for the parity tests.

Reads one JSON object on stdin:
  {"port": N, "host": "127.0.0.1", "local_hostname": "client.test", "cafile": "...",
   "cls": "SMTP" | "LMTP" | "SMTP_SSL",
   "calls": [{"op": "ehlo", "args": ["x"], "kwargs": {...}}, ...]}
and prints one JSON object: {"results": [...]} with, for each call, either
  {"value": ..., "state": {...}} or {"error": {...}, "state": {...}}.
A reply tuple is {"code": c, "message": text}; text is decoded as UTF-8 with invalid
bytes replaced, as API.md decodes it. The state after each call is what Python keeps:
esmtp_features, does_esmtp, ehlo_resp, helo_resp. Generic: an op is an SMTP method
name, except "set" (an attribute) and the auth object names given as strings to "auth".
"""
import json
import smtplib
import ssl
import sys


def text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def result_of(value):
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], int):
        return {"code": value[0], "message": text(value[1])}
    if isinstance(value, bytes):
        return text(value)
    if isinstance(value, dict):
        return {k: result_of(v) for k, v in value.items()}
    return value


def error_of(err):
    out = {"name": type(err).__name__}
    if isinstance(err, smtplib.SMTPResponseException):
        out["code"] = err.smtp_code
        out["error"] = text(err.smtp_error)
    return out


def state_of(smtp):
    return {
        "esmtp_features": {k: v for k, v in sorted(smtp.esmtp_features.items())},
        "does_esmtp": bool(smtp.does_esmtp),
        "ehlo_resp": text(smtp.ehlo_resp),
        "helo_resp": text(smtp.helo_resp),
    }


def run(spec):
    cls = spec.get("cls", "SMTP")
    kwargs = {"local_hostname": spec.get("local_hostname"), "timeout": spec.get("timeout", 5)}
    if cls == "SMTP_SSL":
        kwargs["context"] = ssl.create_default_context(cafile=spec["cafile"])
    smtp = getattr(smtplib, cls)(**kwargs)
    results = []
    for call in spec["calls"]:
        op, args, kwargs = call["op"], list(call.get("args", [])), dict(call.get("kwargs", {}))
        try:
            if op == "connect":
                # Python's connect() keeps no host for starttls(): only SMTP(host) does.
                host, port = (args + [None, None])[:2] if args else (spec.get("host", "127.0.0.1"), spec["port"])
                if isinstance(host, str):
                    host = host.replace("{port}", str(spec["port"])).replace("{path}", spec.get("path") or "")
                port = spec["port"] if port == "{port}" else port
                smtp._host = spec.get("host", "127.0.0.1")
                value = smtp.connect(host, port or 0)
            elif op == "set_feature":
                smtp.esmtp_features[args[0]] = args[1]
                value = None
            elif op == "del_feature":
                del smtp.esmtp_features[args[0]]
                value = None
            elif op == "set":
                setattr(smtp, args[0], args[1])
                value = None
            elif op == "auth":
                value = smtp.auth(args[0], getattr(smtp, args[1]), **kwargs)
            elif op == "starttls":
                cafile = spec.get("cafile")
                context = ssl.create_default_context(cafile=cafile) if cafile else None
                value = smtp.starttls(context=context)
            elif op == "send":
                value = smtp.send(args[0].encode("utf-8"))
            else:
                value = getattr(smtp, op)(*args, **kwargs)
            results.append({"value": result_of(value), "state": state_of(smtp)})
        except Exception as err:  # every failure is a result to compare
            results.append({"error": error_of(err), "state": state_of(smtp)})
    smtp.close()
    return {"results": results}


if __name__ == "__main__":
    json.dump(run(json.load(sys.stdin)), sys.stdout)
