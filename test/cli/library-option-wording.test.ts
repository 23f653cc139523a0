// The library's errors name its own options (tls.cert, tls.minVersion, minIterations), which
// `smtplib send` and `probe` have no flags for: the CLI's line names the flag that does the
// same where there is one, and otherwise says there is none, rather than an option no
// operator can set. The library's messages themselves stay as they are.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { authenticateWith } from "../../src/client/authenticate.js";
import { createScramSha256Mechanism } from "../../src/auth/scram-sha-256.js";
import { describeTLSError } from "../../src/transport/tls-diagnostics.js";
import { describeError } from "../../src/cli/connect.js";
import { b64, FakeIO } from "../auth/fake-io.js";

/** A Node TLS error with OpenSSL's `code` and `reason`. */
function tlsError(code: string, reason: string): Error {
  return Object.assign(new Error(reason), { code, reason });
}

/** Library option names no CLI flag sets. */
const LIBRARY_OPTIONS = /tls\.(cert|key|ca\b|ciphers|minVersion|maxVersion)|minIterations/;

test("TLS diagnostics that name tls.cert/tls.key, tls.ciphers or tls.minVersion/maxVersion say the CLI has no flag for them", () => {
  const cases: [string, string][] = [
    ["ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", "tlsv13 alert certificate required"],
    ["ERR_SSL_TLSV1_ALERT_UNKNOWN_CA", "tlsv1 alert unknown ca"],
    ["ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE", "sslv3 alert bad certificate"],
    ["ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED", "sslv3 alert certificate expired"],
    ["ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE", "sslv3 alert handshake failure"],
    ["ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION", "tlsv1 alert protocol version"],
    ["ERR_SSL_LEGACY_SIGALG_DISALLOWED_OR_UNSUPPORTED", "legacy sigalg disallowed or unsupported"],
  ];
  for (const [code, reason] of cases) {
    const err = describeTLSError(tlsError(code, reason), "mx.example.org", 465, "implicit");
    assert.match(err.message, LIBRARY_OPTIONS, `the library's own message keeps its option names (${code})`);
    const line = describeError(err, false, "ssl");
    assert.doesNotMatch(line, LIBRARY_OPTIONS, line);
    assert.match(line, /no flag/, line);
  }
});

test("an untrusted server certificate names --ca-file and --insecure, not tls.ca", () => {
  const err = describeTLSError(tlsError("UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "unable to get local issuer certificate"), "mx.example.org", 465, "implicit");
  const line = describeError(err, false, "ssl");
  assert.doesNotMatch(line, LIBRARY_OPTIONS, line);
  assert.match(line, /--ca-file.*--insecure/, line);
});

test("an expired server certificate: '(insecure) give --insecure', not 'set --insecure' (a flag is given, not set)", () => {
  const err = describeTLSError(tlsError("CERT_HAS_EXPIRED", "certificate has expired"), "mx.example.org", 465, "implicit");
  const line = describeError(err, false, "ssl");
  assert.match(line, /The server must renew it \(unless this machine's clock is wrong\), or \(insecure\) give --insecure$/, line);
});

test("SCRAM's refusal of a low iteration count says the CLI cannot lower the floor and names --auth-mech, not minIterations", async () => {
  const nonce = "rOprNGfwEbeRWgbNEkqO";
  const mech = createScramSha256Mechanism({ nonce: () => nonce, pbkdf2: () => Promise.resolve(Buffer.alloc(32)) });
  const io = new FakeIO([`334 ${b64(`r=${nonce}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1000`)}`, "501 5.7.0 cancelled"]);
  const err = await authenticateWith(io, mech, { user: "user", password: "pencil" }).then(() => assert.fail("accepted"), (e: unknown) => e);
  assert.match(String(err), /minIterations/);
  const line = describeError(err, false, "none");
  assert.doesNotMatch(line, LIBRARY_OPTIONS, line);
  assert.match(line, /unacceptable iteration count 1000: at least 4096 is required \(RFC 7677 §4; smtplib has no flag to lower it: --auth-mech picks another mechanism\)/, line);
});
