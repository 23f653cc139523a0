import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { createServer, type AddressInfo, type Server } from "node:net";
import tls from "node:tls";
import { after, before, test } from "node:test";
import { SMTP, SMTPPool } from "../../src/index.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";

// Node passes over whatever in `tls.ca` is not PEM (a DER .cer file as a CA is often
// exported, an empty string from an unset variable) and then trusts no CA at all: every
// handshake failed with "The CA given as tls.ca did not verify it: give the CA that issued
// the server's certificate chain", which the caller had just done. The CLI's --ca-file
// checked this; the library's tls option did not.

let certs: TestCerts;
let server: Server;
let port: number;
let connections = 0;
before(async () => {
  certs = await getTestCerts();
  server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const notPem = /^TypeError: tls\.ca(\[1\])? holds no PEM certificate \(-----BEGIN CERTIFICATE-----\), and Node would ignore it and trust no CA: a DER file \(\.der, \.cer\) converts with "openssl x509 -inform der -in ca\.der -out ca\.pem"$/;

test("a tls.ca in DER, or with no certificate, is a TypeError when the client or pool is made, before any connection", async () => {
  const der = new X509Certificate(certs.ca).raw;
  for (const ca of [der, "", "hello", [certs.ca, der]]) {
    assert.throws(() => new SMTP({ tls: { ca } }), (err: unknown) => notPem.test(String(err)));
    assert.throws(() => new SMTPPool({ host: "127.0.0.1", port: port, tls: { ca } }), (err: unknown) => notPem.test(String(err)));
    await assert.rejects(SMTP.connect("127.0.0.1", port, { tls: { ca } }), (err: unknown) => notPem.test(String(err)));
  }
  assert.equal(connections, 0);
});

test("a tls.ca with PEM certificates, as a string, bytes or a list, is taken", () => {
  for (const ca of [certs.ca, Buffer.from(certs.ca), [certs.ca, certs.wrongCa], `# tenant CA\n${certs.ca}`]) {
    assert.doesNotThrow(() => new SMTP({ tls: { ca } }));
  }
});

test("with a tls.secureContext of the caller's, any tls.ca (PEM or not) is refused as ignored: Node uses that context as it is (not the not-PEM TypeError)", () => {
  const secureContext = tls.createSecureContext({ ca: certs.ca });
  const der = new X509Certificate(certs.ca).raw;
  const ignored = (err: unknown): boolean => err instanceof TypeError && /^tls\.ca would be ignored next to tls\.secureContext/.test(err.message) && !notPem.test(err.message);
  for (const ca of [der, "", [certs.ca, der], certs.ca]) {
    assert.throws(() => new SMTP({ tls: { secureContext, ca } }), ignored);
    assert.throws(() => new SMTPPool({ host: "127.0.0.1", port, tls: { secureContext, ca } }), ignored);
  }
  // The context alone is taken.
  assert.doesNotThrow(() => new SMTP({ tls: { secureContext } }));
});

test("the TypeError names the entry of a tls.ca list that holds no certificate; bytes are read where their view is, not their whole buffer", () => {
  const der = new X509Certificate(certs.ca).raw;
  assert.throws(() => new SMTP({ tls: { ca: [certs.ca, der] } }), (err: unknown) => notPem.test(String(err)) && String(err).startsWith("TypeError: tls.ca[1] "));
  assert.throws(() => new SMTP({ tls: { ca: der } }), (err: unknown) => notPem.test(String(err)) && String(err).startsWith("TypeError: tls.ca "));
  // A view of the DER alone, in a buffer that also holds a PEM certificate before it.
  const both = Buffer.concat([Buffer.from(certs.ca), der]);
  assert.throws(() => new SMTP({ tls: { ca: both.subarray(Buffer.byteLength(certs.ca)) } }), (err: unknown) => notPem.test(String(err)));
});

test("a tls.ca in the PEM forms OpenSSL also reads (TRUSTED CERTIFICATE, X509 CERTIFICATE) is taken", () => {
  for (const label of ["TRUSTED CERTIFICATE", "X509 CERTIFICATE"]) {
    const ca = certs.ca.replace(/(BEGIN|END) CERTIFICATE/g, `$1 ${label}`);
    assert.doesNotThrow(() => new SMTP({ tls: { ca } }), label);
  }
});
