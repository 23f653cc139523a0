"""Runs a list of smtplib transaction calls for the parity tests (test/helpers/parity-send.ts).

Reads one JSON object on stdin: {"port": int, "lmtp": bool, "calls": [call, ...]} and
prints one JSON object: {"outcomes": [outcome, ...]}, one outcome per call, in order.

A call is {"op": name, ...}: "sendmail" (from, to, msg, mail_options, rcpt_options),
"send_message" (msg, from, to, mail_options, rcpt_options), "mail" (sender, options),
"rcpt" (recip, options), "data" (msg), "rset", "noop", "quit", "ehlo" (set-up for the
low-level calls), "docmd" (cmd, args).
A message is {"str": text} or {"b64": bytes}. An outcome is {"ok": value} or
{"error": {"cls", "code", "error", "sender", "recipients", "text"}}, with replies as
[code, text] and byte strings decoded as UTF-8 (invalid bytes replaced).
"""

import base64
import email
import email.policy
import json
import smtplib
import sys


def text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def reply(pair):
    return [pair[0], text(pair[1])]


def body(spec):
    if "str" in spec:
        return spec["str"]
    return base64.b64decode(spec["b64"])


def refused(mapping):
    return [[addr, reply(pair)] for addr, pair in mapping.items()]


def run(client, call):
    op = call["op"]
    if op == "sendmail":
        return refused(client.sendmail(call["from"], call["to"], body(call["msg"]),
                                       call.get("mail_options", []), call.get("rcpt_options", [])))
    if op == "send_message":
        raw = body(call["msg"])
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        policy = email.policy.default if call.get("policy") == "default" else email.policy.compat32
        msg = email.message_from_bytes(raw, policy=policy)
        return refused(client.send_message(msg, call.get("from"), call.get("to"),
                                           call.get("mail_options", []), call.get("rcpt_options", [])))
    if op == "mail":
        return reply(client.mail(call["sender"], call.get("options", [])))
    if op == "rcpt":
        return reply(client.rcpt(call["recip"], call.get("options", [])))
    if op == "data":
        return reply(client.data(body(call["msg"])))
    if op == "docmd":
        return reply(client.docmd(call["cmd"], call.get("args", "")))
    if op in ("rset", "noop", "quit", "ehlo"):
        return reply(getattr(client, op)())
    raise RuntimeError("unknown op " + op)


def describe(err):
    out = {"cls": type(err).__name__, "text": str(err)}
    if isinstance(err, smtplib.SMTPResponseException):
        out["code"] = err.smtp_code
        out["error"] = text(err.smtp_error)
    if isinstance(err, smtplib.SMTPSenderRefused):
        out["sender"] = err.sender
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        out["recipients"] = refused(err.recipients)
    return out


def main():
    spec = json.load(sys.stdin)
    cls = smtplib.LMTP if spec.get("lmtp") else smtplib.SMTP
    client = cls("127.0.0.1", spec["port"], local_hostname="client.test", timeout=5)
    outcomes = []
    for call in spec["calls"]:
        try:
            outcomes.append({"ok": run(client, call)})
        except Exception as err:  # every failure is an outcome to compare
            outcomes.append({"error": describe(err)})
    client.close()
    json.dump({"outcomes": outcomes}, sys.stdout)


if __name__ == "__main__":
    main()
