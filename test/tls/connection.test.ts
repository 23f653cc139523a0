/**
 * The transport's TLS pieces on their own: tlsOptionsFor (SNI, the name checked, the
 * connection target never taken from `tls`), Connection.upgrade refusing bytes buffered
 * before the handshake, and the implicit-TLS probe.
 */

import assert from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import { before, describe, it } from "node:test";
import { SMTPConnectError, SMTPException } from "../../src/index.js";
import { Connection } from "../../src/transport/connection.js";
import { tlsOptionsFor } from "../../src/transport/socket-open.js";
import { describeTLSError, NO_SERVERNAME } from "../../src/transport/tls-diagnostics.js";
import { greetingOrTLSDiagnosis, probePort } from "../../src/transport/tls-probe.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

/** A stand-in certificate: only the name passed to the check matters here. */
const leaf = (): tls.PeerCertificate => ({}) as tls.PeerCertificate;

describe("tlsOptionsFor", () => {
  it("sends a host name as SNI but never an IP address", () => {
    assert.equal(tlsOptionsFor("mail.example.org").servername, "mail.example.org");
    assert.equal(tlsOptionsFor("192.0.2.1").servername, undefined);
    assert.equal(tlsOptionsFor("2001:db8::1").servername, undefined);
    assert.equal(tlsOptionsFor("192.0.2.1", { servername: "mx.example.org" }).servername, "mx.example.org");
    assert.equal(tlsOptionsFor("mail.example.org", { servername: "192.0.2.7" }).servername, undefined);
  });

  it("an internationalized host name is sent as SNI and checked in its ASCII form (A-labels, as certificates carry it)", () => {
    const cert = { subject: { CN: "mx" }, subjectaltname: "DNS:xn--bcher-kva.example" } as unknown as tls.PeerCertificate;
    for (const options of [tlsOptionsFor("bücher.example"), tlsOptionsFor("192.0.2.1", { servername: "Bücher.example." })]) {
      assert.match(options.servername ?? "", /^xn--bcher-kva\.example$/);
      assert.equal(options.checkServerIdentity!("ignored", cert), undefined);
    }
  });

  it("checks the certificate against tls.servername, else the host (whatever name Node passes)", () => {
    const seen: string[] = [];
    const check = (name: string): undefined => {
      seen.push(name);
      return undefined;
    };
    tlsOptionsFor("192.0.2.1", { checkServerIdentity: check }).checkServerIdentity!("localhost", leaf());
    tlsOptionsFor("192.0.2.1", { servername: "mx.example.org", checkServerIdentity: check }).checkServerIdentity!("localhost", leaf());
    assert.deepEqual(seen, ["192.0.2.1", "mx.example.org"]);
  });

  it("never lets tls options move the connection elsewhere", () => {
    const options = tlsOptionsFor("mail.example.org", { host: "evil.example", port: 1, path: "/tmp/x" } as tls.ConnectionOptions);
    assert.equal(options.host, undefined);
    assert.equal(options.port, undefined);
    assert.equal(options.path, undefined);
  });

  it("with no name (Unix socket) the identity check fails, with a diagnosis naming tls.servername", () => {
    const options = tlsOptionsFor(undefined, { ca: "x" });
    assert.equal(options.servername, undefined);
    const err = options.checkServerIdentity!("localhost", leaf());
    assert.ok(err instanceof Error);
    assert.equal((err as Error & { code?: string }).code, NO_SERVERNAME);
    const described = describeTLSError(err, "/run/lmtp.sock", 2003, "starttls");
    assert.ok(described instanceof SMTPException);
    assert.match(described.message, /\/run\/lmtp\.sock.*no host name.*tls\.servername.*rejectUnauthorized: false/);
  });

  it("checkServerIdentity: null (not given) leaves that refusal in place: Node would check against localhost", () => {
    const options = tlsOptionsFor(undefined, { checkServerIdentity: null } as unknown as tls.ConnectionOptions);
    assert.equal(typeof options.checkServerIdentity, "function");
    assert.equal((options.checkServerIdentity!("localhost", leaf()) as Error & { code?: string }).code, NO_SERVERNAME);
  });
});

describe("describeTLSError: certificate failures", () => {
  const nodeError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

  for (const [code, message, says] of [
    ["CERT_HAS_EXPIRED", "certificate has expired", /has expired.*renew.*clock.*rejectUnauthorized: false/],
    ["CERT_NOT_YET_VALID", "certificate is not yet valid", /not valid yet.*clock/],
    ["CERT_REVOKED", "certificate revoked", /revoked/],
  ] as const) {
    it(`${code}: says what is wrong, and does not send the user after a CA that would not help`, () => {
      const described = describeTLSError(nodeError(code, message), "mx.example.org", 465, "implicit");
      assert.ok(described instanceof SMTPException);
      assert.match(described.message, /mx\.example\.org:465/);
      assert.match(described.message, says);
      assert.ok(described.message.includes(code), described.message);
      assert.doesNotMatch(described.message, /tls\.ca/);
    });
  }

  for (const code of ["DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"]) {
    it(`${code}: an untrusted chain names tls.ca`, () => {
      const described = describeTLSError(nodeError(code, "untrusted"), "mx.example.org", 587, "starttls");
      assert.match(described.message, /verification failed for mx\.example\.org:587.*tls\.ca.*rejectUnauthorized: false/);
    });
  }
});

describe("Connection.upgrade", () => {
  // Its own socket is read through net's onread (the bytes are counted, left in the kernel);
  // a socketFactory's through `data` events (they wait in the stream's buffer).
  for (const supplied of [false, true]) it(`refuses bytes that arrived after pause() (the STARTTLS reply) and closes the socket${supplied ? " (socketFactory)" : ""}`, async () => {
    const server = net.createServer((s) => {
      s.on("error", () => undefined);
      s.write("250 forged\r\n");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      let received = 0;
      const socketFactory = supplied ? () => net.connect(port, "127.0.0.1") : undefined;
      const conn = await Connection.open({ host: "127.0.0.1", port, timeout: 5000, owner: {}, ...(socketFactory ? { socketFactory } : {}) }, {
        data: (chunk) => { received += chunk.length; },
        close: () => undefined,
      });
      conn.pause();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(received, 0, "the bytes were held, not delivered");
      await assert.rejects(conn.upgrade({ ca: certs.ca }, 5000), (err: unknown) => {
        assert.ok(err instanceof SMTPException);
        assert.match(err.message, /sent 12 bytes after agreeing to start TLS.*possible response injection/);
        return true;
      });
      assert.equal(conn.closed, true);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("closes the socket when Node refuses the TLS options (tls.connect throws): no socket left open behind a failed starttls()", async () => {
    let serverSide: net.Socket | undefined;
    const server = net.createServer((s) => {
      serverSide = s;
      s.on("error", () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const conn = await Connection.open({ host: "127.0.0.1", port, timeout: 5000, owner: {} }, { data: () => undefined, close: () => undefined });
      conn.pause();
      await assert.rejects(conn.upgrade({ ca: certs.ca, minVersion: "x" as tls.SecureVersion }, 5000), /not a valid minimum TLS protocol version/);
      assert.equal(conn.closed, true);
      if (serverSide === undefined) await new Promise((r) => server.once("connection", r));
      if (!serverSide!.closed) await new Promise((r) => serverSide!.once("close", r)); // the client hung up
    } finally {
      serverSide?.destroy(); // a failed assertion must not leave server.close() waiting
      await new Promise((r) => server.close(r));
    }
  });
});

describe("implicit-TLS probe", () => {
  async function listen(server: net.Server): Promise<number> {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return (server.address() as net.AddressInfo).port;
  }

  it("is true for a TLS server (no verification needed) and false for plain text", async () => {
    const tlsServer = tls.createServer({ key: certs.selfSigned.key, cert: certs.selfSigned.cert }, (s) => s.end());
    tlsServer.on("tlsClientError", () => undefined);
    const plain = net.createServer((s) => {
      s.on("error", () => undefined);
      s.resume(); // read the ClientHello and the FIN, or the socket never closes
      s.end("220 plain ESMTP\r\n");
    });
    try {
      assert.equal((await probePort({ host: "127.0.0.1", port: await listen(tlsServer), owner: {} })) === "tls", true);
      assert.equal((await probePort({ host: "127.0.0.1", port: await listen(plain), owner: {} })) === "tls", false);
    } finally {
      await Promise.all([new Promise((r) => tlsServer.close(r)), new Promise((r) => plain.close(r))]);
    }
  });

  it("is true when the server answers with a TLS alert (it speaks TLS, but not our version)", async () => {
    const tlsServer = tls.createServer({
      key: certs.key, cert: certs.cert, minVersion: "TLSv1", maxVersion: "TLSv1.1", ciphers: "DEFAULT@SECLEVEL=0",
    }, (s) => s.end());
    tlsServer.on("tlsClientError", () => undefined);
    try {
      assert.equal((await probePort({ host: "127.0.0.1", port: await listen(tlsServer), owner: {} })) === "tls", true);
    } finally {
      await new Promise((r) => tlsServer.close(r));
    }
  });

  it("is false on a timeout and when cancelled", async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => { sockets.push(s); s.on("error", () => undefined); });
    try {
      const port = await listen(silent);
      assert.equal((await probePort({ host: "127.0.0.1", port, owner: {}, timeout: 200 })) === "tls", false);
      const cancel = new AbortController();
      const probe = probePort({ host: "127.0.0.1", port, owner: {} }, cancel.signal);
      setTimeout(() => cancel.abort(), 50);
      assert.equal((await probe) === "tls", false);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it("greetingOrTLSDiagnosis: the greeting wins when it comes first; a TLS port fails fast", async () => {
    const tlsServer = tls.createServer({ key: certs.key, cert: certs.cert }, (s) => s.end());
    tlsServer.on("tlsClientError", () => undefined);
    try {
      const port = await listen(tlsServer);
      let probes = 0;
      const target = { host: "127.0.0.1", port, owner: {}, delay: 50, onProbe: () => probes++ };
      assert.equal(await greetingOrTLSDiagnosis(Promise.resolve("220"), target), "220");
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(probes, 0, "no probe after the greeting");
      const never = new Promise<string>(() => undefined);
      await assert.rejects(greetingOrTLSDiagnosis(never, target), (err: unknown) => {
        assert.ok(err instanceof SMTPConnectError);
        assert.equal(err.smtpCode, -1);
        assert.match(err.message, /implicit-TLS port.*use SMTP_SSL/);
        return true;
      });
      assert.equal(probes, 1);
    } finally {
      await new Promise((r) => tlsServer.close(r));
    }
  });
});
