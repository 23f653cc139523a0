// `smtplib probe --json`: one JSON object on stdout, for scripts and monitoring: the steps
// with their replies and times, the capabilities, the TLS session and certificate (daysLeft
// counted from the probe's clock), and, when the probe fails, ok false with the error and
// the exit code (stderr says it too). The text output is unchanged without the flag.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { rm } from "node:fs/promises";
import type { PeerCertificate } from "node:tls";
import { jsonView, tlsReport } from "../../src/cli/probe-report.js";
import type { TLSInfo } from "../../src/transport/tls-info.js";
import { closedPort } from "../helpers/closed-port.js";
import { getTestCerts, writeTestCerts } from "../helpers/certs.js";
import { run, Serve } from "../helpers/cli-process.js";

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);

/** A TLS session as the client reports it, with a certificate valid to `validTo`. */
function session(validTo: string, authorized = true): TLSInfo {
  const cert = {
    subject: { CN: "mx.example.test", O: ["A", "B"] }, issuer: { CN: "Test CA" }, subjectaltname: "DNS:mx.example.test, IP Address:127.0.0.1",
    valid_from: "Jan  1 00:00:00 2026 GMT", valid_to: validTo, fingerprint256: "AB:CD",
  } as unknown as PeerCertificate;
  return { protocol: "TLSv1.3", cipher: { name: "TLS_AES_256_GCM_SHA384", standardName: "TLS_AES_256_GCM_SHA384", version: "TLSv1.3" }, peerCertificate: cert, authorized, ...(authorized ? {} : { authorizationError: "CERT_HAS_EXPIRED" }) };
}

test("tlsReport: the certificate's names as a list, its dates in ISO form, whole days left (negative once expired), why it did not verify", () => {
  assert.deepEqual(tlsReport(session("Dec 12 12:00:00 2026 GMT"), NOW), {
    protocol: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384", verified: true, verifyError: null,
    certificate: {
      subject: { CN: "mx.example.test", O: ["A", "B"] }, issuer: { CN: "Test CA" }, names: ["DNS:mx.example.test", "IP Address:127.0.0.1"],
      validFrom: "2026-01-01T00:00:00.000Z", validTo: "2026-12-12T12:00:00.000Z", daysLeft: 10, sha256: "AB:CD",
    },
  });
  // its last day: 0; a day after it ended: -1
  assert.equal((tlsReport(session("Dec  2 18:00:00 2026 GMT"), NOW).certificate as { daysLeft: number }).daysLeft, 0);
  const expired = tlsReport(session("Dec  1 11:00:00 2026 GMT", false), NOW);
  assert.equal((expired.certificate as { daysLeft: number }).daysLeft, -2);
  assert.equal(expired.verified, false);
  assert.equal(expired.verifyError, "CERT_HAS_EXPIRED");
});

test("jsonView: nothing until the end, then one object: the target, ok and the exit code, the steps, capabilities upper-case", () => {
  const written: string[] = [];
  const view = jsonView((text) => written.push(text), { host: "h", port: 25, tlsMode: "none", lmtp: false }, () => NOW);
  view.step("connect+greeting", 1.234, "220 hi", { code: 220, text: "hi" });
  view.capabilities(true, new Map([["pipelining", ""], ["size", " 1000 "]]), []);
  view.tls(undefined, []);
  assert.deepEqual(written, []);
  view.end(5, "SMTPServerDisconnected: gone");
  const [text, ...more] = written as string[];
  assert.deepEqual(more, []);
  assert.ok(text!.endsWith("}\n"));
  assert.deepEqual(JSON.parse(text!), {
    target: { host: "h", port: 25, tlsMode: "none", lmtp: false }, ok: false, exitCode: 5, error: "SMTPServerDisconnected: gone",
    steps: [{ step: "connect+greeting", ms: 1.2, result: { code: 220, text: "hi" } }], esmtp: true, capabilities: { PIPELINING: "", SIZE: "1000" }, tls: null,
  });
});

test("probe --json: plain text, then STARTTLS verified against --ca-file, then a closed port (exit 5, ok false, the error on stdout and stderr)", async () => {
  const files = await writeTestCerts(await getTestCerts());
  const serve = await Serve.start(["--tls-cert", files.cert, "--tls-key", files.key]);
  try {
    const plain = await run(["probe", `127.0.0.1:${serve.port}`, "--json"]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stderr, "");
    const report = JSON.parse(plain.stdout) as Record<string, unknown>;
    assert.deepEqual(report.target, { host: "127.0.0.1", port: serve.port, tlsMode: "none", lmtp: false });
    assert.equal(report.ok, true);
    assert.deepEqual((report.steps as { step: string }[]).map((s) => s.step), ["connect+greeting", "EHLO", "QUIT"]);
    assert.equal((report.steps as { result: { code: number } }[])[0]!.result.code, 220);
    assert.equal((report.capabilities as Record<string, string>).STARTTLS, "");
    assert.equal(report.tls, null);

    const secured = await run(["probe", `127.0.0.1:${serve.port}`, "--starttls", "--ca-file", files.ca, "--json"]);
    assert.equal(secured.code, 0, secured.stderr);
    const tls = JSON.parse(secured.stdout) as { steps: { step: string; result: unknown }[]; tls: { verified: boolean; protocol: string; certificate: { names: string[]; daysLeft: number } } };
    assert.deepEqual(tls.steps[2], { ...tls.steps[2], step: "STARTTLS+EHLO", result: { tls: true } });
    assert.equal(tls.tls.verified, true);
    assert.match(tls.tls.protocol, /^TLSv1\.[23]$/);
    assert.ok(tls.tls.certificate.names.includes("DNS:localhost"), tls.tls.certificate.names.join(" "));
    assert.ok(Number.isInteger(tls.tls.certificate.daysLeft) && tls.tls.certificate.daysLeft > 0);
  } finally {
    await serve.stop();
    await rm(files.dir, { recursive: true, force: true });
  }
  const port = await closedPort();
  const failed = await run(["probe", `127.0.0.1:${port}`, "--json"]);
  assert.equal(failed.code, 5);
  const report = JSON.parse(failed.stdout) as { ok: boolean; exitCode: number; error: string; steps: unknown[] };
  assert.deepEqual({ ok: report.ok, exitCode: report.exitCode, steps: report.steps }, { ok: false, exitCode: 5, steps: [] });
  assert.match(report.error, /ECONNREFUSED/);
  assert.equal(failed.stderr, `smtplib: ${report.error}\n`);
});
