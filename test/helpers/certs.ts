/**
 * Throw-away certificates for TLS tests, made at test time with the `openssl` command line
 * into a temporary directory that is removed afterwards. Nothing here is ever trusted
 * outside the test that asked for it.
 *
 * ```ts
 * const certs = await getTestCerts();
 * // server: { key: certs.key, cert: certs.cert }   client: { ca: certs.ca }
 * ```
 * @module
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A certificate with its private key, both PEM. */
export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

/** The PEM strings a TLS test needs. */
export interface TestCerts {
  /** The test CA's certificate: give it to the client as `tls.ca`. */
  readonly ca: string;
  /** Server certificate signed by `ca`, for DNS `localhost`, IP `127.0.0.1` and `::1`. */
  readonly cert: string;
  /** The private key of `cert`. */
  readonly key: string;
  /** A second, unrelated CA that did not sign anything here: for "wrong CA" tests. */
  readonly wrongCa: string;
  /** Signed by `ca` but only for `wrong.host.invalid`: for host name mismatch tests. */
  readonly wrongHost: KeyPair;
  /** Self-signed for `localhost`/127.0.0.1/::1 (no CA): for "untrusted self-signed" tests. */
  readonly selfSigned: KeyPair;
  /** Signed by `ca` for the loopback names, but expired (its end a day before its start): for "expired" tests. */
  readonly expired: KeyPair;
}

const KEY_ARGS = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
const SERVER_EXT = [
  "-addext", "basicConstraints=critical,CA:FALSE",
  "-addext", "keyUsage=critical,digitalSignature,keyEncipherment",
  "-addext", "extendedKeyUsage=serverAuth",
];
const LOCAL_SAN = "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1";

async function openssl(dir: string, args: string[]): Promise<void> {
  await run("openssl", args, { cwd: dir, timeout: 20_000 });
}

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(dir, [
    "req", "-x509", ...KEY_ARGS, "-keyout", `${name}.key`, "-out", `${name}.pem`,
    "-days", "2", "-subj", `/CN=smtplib test CA ${name}`,
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

async function makeLeaf(dir: string, name: string, cn: string, san: string, ca?: string): Promise<void> {
  const signer = ca === undefined ? [] : ["-CA", `${ca}.pem`, "-CAkey", `${ca}.key`];
  await openssl(dir, [
    "req", "-x509", ...KEY_ARGS, "-keyout", `${name}.key`, "-out", `${name}.pem`,
    "-days", "2", "-subj", `/CN=${cn}`, ...signer, ...SERVER_EXT, "-addext", san,
  ]);
}

/**
 * A leaf for the loopback names signed by `ca` whose validity ended before it began
 * (`-days -1`: `openssl req -x509` takes no date in the past), so it is expired now.
 */
async function makeExpiredLeaf(dir: string, name: string, ca: string): Promise<void> {
  await openssl(dir, ["req", "-new", ...KEY_ARGS, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", "/CN=localhost", ...SERVER_EXT, "-addext", LOCAL_SAN]);
  await openssl(dir, ["x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.pem`, "-CAkey", `${ca}.key`, "-days", "-1", "-copy_extensions", "copyall", "-out", `${name}.pem`]);
}

/**
 * Creates a fresh set of test certificates (a CA, a server certificate for the loopback
 * names, a certificate for the wrong host, an expired one, a self-signed one and an unrelated CA).
 * Takes well under a second (EC P-256 keys).
 * @throws Error when the `openssl` command fails or is missing.
 */
export async function createTestCerts(): Promise<TestCerts> {
  const dir = await mkdtemp(join(tmpdir(), "smtplib-certs-"));
  try {
    await Promise.all([makeCa(dir, "ca"), makeCa(dir, "wrong-ca")]);
    await Promise.all([
      makeLeaf(dir, "server", "localhost", LOCAL_SAN, "ca"),
      makeLeaf(dir, "wrong-host", "wrong.host.invalid", "subjectAltName=DNS:wrong.host.invalid", "ca"),
      makeLeaf(dir, "self", "localhost", LOCAL_SAN),
      makeExpiredLeaf(dir, "expired", "ca"),
    ]);
    const read = (file: string) => readFile(join(dir, file), "utf8");
    const [ca, cert, key, wrongCa, whCert, whKey, ssCert, ssKey, exCert, exKey] = await Promise.all(
      ["ca.pem", "server.pem", "server.key", "wrong-ca.pem", "wrong-host.pem", "wrong-host.key", "self.pem", "self.key", "expired.pem", "expired.key"].map(read),
    );
    return {
      ca: ca!, cert: cert!, key: key!, wrongCa: wrongCa!,
      wrongHost: { cert: whCert!, key: whKey! },
      selfSigned: { cert: ssCert!, key: ssKey! },
      expired: { cert: exCert!, key: exKey! },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let cached: Promise<TestCerts> | undefined;

/** The same as {@link createTestCerts}, made once per process and shared by every caller. */
export function getTestCerts(): Promise<TestCerts> {
  cached ??= createTestCerts();
  return cached;
}

/** Writes `certs` as files into a new temp dir (for child processes such as the CLI). */
export async function writeTestCerts(certs: TestCerts): Promise<{ dir: string; ca: string; cert: string; key: string }> {
  const dir = await mkdtemp(join(tmpdir(), "smtplib-certfiles-"));
  const files = { ca: join(dir, "ca.pem"), cert: join(dir, "server.pem"), key: join(dir, "server.key") };
  await Promise.all([writeFile(files.ca, certs.ca), writeFile(files.cert, certs.cert), writeFile(files.key, certs.key, { mode: 0o600 })]);
  return { dir, ...files };
}

/**
 * A self-signed certificate for `localhost`/127.0.0.1 made with `keyArgs` (openssl req's
 * key options, e.g. `["-newkey", "ed25519"]`) and signed with `digest` (`-sha384`, or `[]`
 * for none, as Ed25519 takes): for tests that need a given signature algorithm. Give it to
 * the client as its `ca`.
 * @throws Error when the `openssl` command fails or is missing.
 */
export async function createSelfSigned(keyArgs: readonly string[], digest: readonly string[]): Promise<KeyPair> {
  const dir = await mkdtemp(join(tmpdir(), "smtplib-cert-"));
  try {
    await openssl(dir, [
      "req", "-x509", ...keyArgs, ...digest, "-nodes", "-keyout", "key.pem", "-out", "cert.pem",
      "-days", "2", "-subj", "/CN=localhost", "-addext", LOCAL_SAN,
    ]);
    const [cert, key] = await Promise.all([readFile(join(dir, "cert.pem"), "utf8"), readFile(join(dir, "key.pem"), "utf8")]);
    return { cert, key };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
