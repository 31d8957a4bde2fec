#!/usr/bin/python3
# A real SMTP server for the e-mail route's tests: Debian's python3-aiosmtpd on loopback, with
# STARTTLS (certificate made by the test) and AUTH LOGIN/PLAIN, both required before mail. Every DATA
# transaction is counted and its message written to --dir as msg-N.eml with a meta-N.json beside it
# (envelope, TLS, login). Behaviours the tests need: refuse a recipient (550), drop the connection
# after the message data arrived (counted, never answered), advertise a small SIZE.
# --plain-on ADDR offers no STARTTLS at all (and allows AUTH in clear text), on a non-loopback address:
# what a client that requires TLS must refuse before it sends a password.
# Prints "READY <port>" on stdout once it accepts connections; stops on SIGTERM or stdin EOF.

import argparse
import asyncio
import json
import os
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port(address):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((address, 0))
        return s.getsockname()[1]


class Recorder:
    def __init__(self, directory, refuse, drop_after_data):
        self.directory = directory
        self.refuse = set(a.lower() for a in refuse)
        self.drop_after_data = drop_after_data
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        with open(os.path.join(self.directory, "msg-%d.eml" % n), "wb") as f:
            f.write(envelope.original_content or envelope.content)
        login = session.auth_data
        login = login.login.decode("utf-8", "replace") if isinstance(login, LoginPassword) else None
        meta = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "login": login,
            "mailOptions": envelope.mail_options,
        }
        with open(os.path.join(self.directory, "meta-%d.json" % n), "w") as f:
            json.dump(meta, f)
        if self.drop_after_data:
            # The message arrived, the client never hears so: what a crashing relay does.
            server.transport.abort()
            return "421 4.3.0 dropped"
        return "250 2.0.0 Ok: queued as T%d" % n


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password-env", required=True)
    p.add_argument("--refuse", action="append", default=[])
    p.add_argument("--drop-after-data", action="store_true")
    p.add_argument("--size-limit", type=int, default=33554432)
    p.add_argument("--plain-on", default=None, help="no STARTTLS, listen on this address")
    a = p.parse_args()
    password = os.environ[a.password_env].encode()
    user = a.user.encode()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == user and auth_data.password == password
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(a.cert, a.key)
    recorder = Recorder(a.dir, a.refuse, a.drop_after_data)
    port = free_port(a.plain_on or "127.0.0.1")
    tls = {} if a.plain_on else {"tls_context": ctx, "require_starttls": True}
    controller = Controller(
        recorder,
        hostname=a.plain_on or "127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=not a.plain_on,
        data_size_limit=a.size_limit,
        **tls,
    )
    controller.start()
    sys.stdout.write("READY %d\n" % port)
    sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
