"""aiosmtpd server for the smtplib interop suite (started by test/interop/run.sh).

Usage: server.py MAILDIR PORT TLS_PORT CERT KEY PIDFILE
Serves STARTTLS + AUTH PLAIN/LOGIN + SMTPUTF8 on 127.0.0.1:PORT and implicit TLS on
127.0.0.1:TLS_PORT. Each accepted message is written byte for byte as the server received it
(after dot-unstuffing) to MAILDIR/<n>.eml, with the envelope in MAILDIR/<n>.json.
"""
import asyncio
import json
import os
import signal
import ssl
import sys
import uuid

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USERS = {"alice@example.test": "secret-alice"}


class Handler:
    def __init__(self, maildir):
        self.maildir = maildir

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if address == "refused-sender@example.test":
            return "550 5.7.1 sender refused by the interop test policy"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == "refused@example.test":
            return "550 5.7.1 recipient refused by the interop test policy"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        name = uuid.uuid4().hex
        path = os.path.join(self.maildir, name)
        with open(path + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options,
            "smtp_utf8": envelope.smtp_utf8,
            "tls": session.ssl is not None,
            "auth": session.authenticated,
        }
        with open(path + ".json", "w") as f:
            json.dump(meta, f)
        os.rename(path + ".eml.tmp", path + ".eml")
        return "250 2.0.0 OK saved " + name


def authenticator(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, LoginPassword):
        user = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        if USERS.get(user) == password:
            return AuthResult(success=True, auth_data=user)
    return AuthResult(success=False, handled=False)


def main():
    maildir, port, tls_port, cert, key, pidfile = sys.argv[1:7]
    os.makedirs(maildir, exist_ok=True)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    common = dict(
        hostname="127.0.0.1",
        server_hostname="aiosmtpd.interop.test",
        enable_SMTPUTF8=True,
        data_size_limit=100 * 1024 * 1024,
        authenticator=authenticator,
        auth_require_tls=True,
    )
    plain = Controller(Handler(maildir), port=int(port), tls_context=ctx, **common)
    # On the implicit-TLS port the session is TLS from the start, which aiosmtpd 1.4 does not
    # see when it decides whether to offer AUTH; so AUTH is not tied to STARTTLS there.
    implicit = Controller(Handler(maildir), port=int(tls_port), ssl_context=ctx, **{**common, "auth_require_tls": False})
    plain.start()
    implicit.start()
    with open(pidfile, "w") as f:
        f.write(str(os.getpid()))
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    plain.stop()
    implicit.stop()


if __name__ == "__main__":
    main()
