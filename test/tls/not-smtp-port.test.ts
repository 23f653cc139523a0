/**
 * A client pointed at a port whose server sends no greeting but is not an SMTP server (an
 * HTTP server): the probe that looks for implicit TLS sees it answer in plain text that is
 * no SMTP reply, and the client fails at once saying so, instead of waiting out the
 * greeting timeout (5 minutes by default) to say only that no greeting came.
 */

import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { describe, it } from "node:test";
import { LMTP, SMTP, SMTP_SSL, SMTPConnectError, SMTPException, SMTPTimeoutError } from "../../src/index.js";
import { greetingOrTLSDiagnosis, nonSMTPAnswer, probePort } from "../../src/transport/tls-probe.js";

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as net.AddressInfo).port;
}

describe("a port that is not an SMTP server's", () => {
  it("an HTTP server: SMTPConnectError (code -1) naming it and what to check, not a greeting timeout", async () => {
    const server = http.createServer((_req, res) => res.end("hello"));
    try {
      const port = await listen(server);
      for (const Client of [SMTP, LMTP]) {
        // A greeting timeout far longer than the probe's delay: without the diagnosis, the
        // call ends with SMTPTimeoutError "waiting for the reply to the greeting".
        await assert.rejects(Client.connect("127.0.0.1", port, { timeouts: { greeting: 20_000 } }), (err: unknown) => {
          assert.ok(err instanceof SMTPConnectError, String(err));
          assert.equal(err.smtpCode, -1);
          assert.match(err.message, /sent no greeting, and answered a second connection with "HTTP\/1\.1 400 Bad Request", which is no SMTP reply: this looks like an HTTP server, not an SMTP server\. Check the host and port/);
          return true;
        });
      }
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it("SMTP_SSL to an HTTP server: not 'a plain-text SMTP port: call starttls()', but that it is no SMTP server; to an SMTP port, that advice", async () => {
    const http1 = http.createServer((_req, res) => res.end("hello"));
    const smtp = net.createServer((s) => {
      s.on("error", () => undefined);
      s.resume(); // read the ClientHello and the FIN, or the socket never closes
      s.end("220 mx.test ESMTP\r\n");
    });
    try {
      const httpPort = await listen(http1);
      await assert.rejects(SMTP_SSL.connect("127.0.0.1", httpPort), (err: unknown) => {
        assert.ok(err instanceof SMTPException, String(err));
        assert.equal(err.message, `TLS handshake with 127.0.0.1:${httpPort} failed: it answered in plain text, "HTTP/1.1 400 Bad Request", which is no SMTP reply: this looks like an HTTP server, not an SMTP server. Check the host and port (ERR_SSL_WRONG_VERSION_NUMBER)`);
        assert.equal((err.cause as { code?: string }).code, "ERR_SSL_WRONG_VERSION_NUMBER");
        return true;
      });
      // diagnoseTLS: false makes no second connection: the first diagnosis stands
      await assert.rejects(SMTP_SSL.connect("127.0.0.1", httpPort, { diagnoseTLS: false }), /looks like a plain-text SMTP port/);
      await assert.rejects(SMTP_SSL.connect("127.0.0.1", await listen(smtp)), /looks like a plain-text SMTP port \(such as 25 or 587\): connect with SMTP and call starttls\(\) instead of SMTP_SSL/);
    } finally {
      http1.closeAllConnections();
      await Promise.all([new Promise((r) => http1.close(r)), new Promise((r) => smtp.close(r))]);
    }
  });

  it("the probe tells a server that answers in plain text from one that greets late (SMTP) or speaks TLS", async () => {
    const sockets: net.Socket[] = [];
    const answering = (text: string): net.Server => net.createServer((s) => {
      sockets.push(s);
      s.on("error", () => undefined);
      s.once("data", () => s.write(text)); // answers the ClientHello, then stays open
    });
    const other = answering("+OK POP3 ready\r\n");
    const late = answering("220 mx.example.org ESMTP\r\n");
    try {
      assert.deepEqual(await probePort({ host: "127.0.0.1", port: await listen(other), owner: {} }), { notSMTP: "+OK POP3 ready" });
      assert.equal(await probePort({ host: "127.0.0.1", port: await listen(late), owner: {} }), "unknown");
    } finally {
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise((r) => other.close(r)), new Promise((r) => late.close(r))]);
    }
  });

  it("a port silent on both connections: the greeting timeout says so and what to check; with a greeting begun, no probe and no such words", async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => {
      sockets.push(s);
      s.on("error", () => undefined);
      s.resume();
    });
    try {
      const port = await listen(silent);
      assert.equal(await probePort({ host: "127.0.0.1", port, owner: {}, timeout: 100 }), "silent");
      // a peer that closes the probe's connection without a byte (TLS sees an error, not a
      // close) is silent too; one that refuses it is not known to be anything
      const closing = net.createServer((s) => {
        s.on("error", () => undefined);
        s.resume(); // read the ClientHello and the FIN, or the socket never closes
        s.end();
      });
      try {
        assert.equal(await probePort({ host: "127.0.0.1", port: await listen(closing), owner: {} }), "silent");
      } finally {
        await new Promise((r) => closing.close(r));
      }
      const refused = net.createServer();
      const gone = await listen(refused);
      await new Promise((r) => refused.close(r));
      assert.equal(await probePort({ host: "127.0.0.1", port: gone, owner: {} }), "unknown");
      // the greeting's timeout, as the channel rejects it, after the probe has found nothing
      const timedOut = (): Promise<never> => new Promise((_resolve, reject) => {
        setTimeout(() => reject(new SMTPTimeoutError("Timed out after 600 ms waiting for the reply to the greeting", "greeting", 600, { command: "the greeting" })), 600);
      });
      const target = { host: "127.0.0.1", port, owner: {}, delay: 50, timeout: 200 };
      await assert.rejects(greetingOrTLSDiagnosis(timedOut(), target), (err: unknown) => {
        assert.ok(err instanceof SMTPTimeoutError, String(err));
        assert.equal(err.phase, "greeting");
        assert.equal(err.timeout, 600);
        assert.equal(err.message, `Timed out after 600 ms waiting for the reply to the greeting: 127.0.0.1:${port} took the connection but sent nothing, nor answered a TLS handshake on a second connection: check the host and port (is it an SMTP server's?), and that nothing on the way (a firewall, a proxy) holds the connection`);
        return true;
      });
      await assert.rejects(greetingOrTLSDiagnosis(timedOut(), { ...target, heard: () => true }), {
        message: "Timed out after 600 ms waiting for the reply to the greeting",
      });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it("nonSMTPAnswer: a reply code starts SMTP; too little to tell is not judged", () => {
    assert.equal(nonSMTPAnswer(Buffer.from("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n")), "HTTP/1.1 400 Bad Request");
    assert.equal(nonSMTPAnswer(Buffer.from("554 5.7.1 no service\r\n")), undefined);
    assert.equal(nonSMTPAnswer(Buffer.from("220-first line\r\n")), undefined);
    assert.equal(nonSMTPAnswer(Buffer.from("220\r\n")), undefined);
    assert.equal(nonSMTPAnswer(Buffer.from("22")), undefined);
    assert.equal(nonSMTPAnswer(Buffer.from("")), undefined);
    assert.equal(nonSMTPAnswer(Buffer.from("2200 no\r\n")), "2200 no");
    assert.equal(nonSMTPAnswer(Buffer.from("ERR\n")), "ERR");
  });
});
