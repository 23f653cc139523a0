/**
 * The server side of SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (RFC 5802, RFC 7677, RFC 9266),
 * and of SCRAM-SHA-1 (RFC 5802) with `hash: "sha1"`,
 * written independently of the client in src/auth for the tests: it checks the client's
 * proof and channel binding (`tls-exporter`, or RFC 5929 `tls-server-end-point`) and answers with its own signature, or with an `e=` error.
 */

import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from "node:crypto";

/** How the server is set up. */
export interface ScramServerOptions {
  /** The user's password (already SASLprep'd: the tests use ASCII). */
  readonly password: string;
  /** Server nonce part appended to the client's. Default "srv-nonce". */
  readonly serverNonce?: string;
  /** Default 4096 (RFC 7677's minimum). */
  readonly iterations?: number;
  /** True when the server offers SCRAM-SHA-256-PLUS (so a `y` flag means a downgrade). */
  readonly offersPlus: boolean;
  /** The SCRAM hash: "sha256" (SCRAM-SHA-256, the default) or "sha1" (SCRAM-SHA-1). */
  readonly hash?: "sha1" | "sha256";
}

/** One exchange, step by step. */
export class ScramServerExchange {
  /** The client's gs2 header as sent (`n,,`, `y,,`, `p=tls-exporter,,`, ...). */
  gs2Header = "";
  #bare = "";
  #serverFirst = "";
  #nonce = "";
  readonly #salt = Buffer.from("salt-for-tests-16");
  readonly #options: ScramServerOptions;

  constructor(options: ScramServerOptions) {
    this.#options = options;
  }

  /** Reads client-first; returns server-first, or an `e=` message. */
  first(clientFirst: string): string {
    const m = /^((?:[ny]|p=[A-Za-z0-9.-]+),(?:a=[^,]*)?,)(n=[^,]*,r=([^,]+))$/.exec(clientFirst);
    if (m === null) return "e=invalid-encoding";
    this.gs2Header = m[1]!;
    this.#bare = m[2]!;
    if (this.gs2Header.startsWith("y") && this.#options.offersPlus) return "e=server-does-support-channel-binding";
    this.#nonce = m[3]! + (this.#options.serverNonce ?? "srv-nonce");
    this.#serverFirst = `r=${this.#nonce},s=${this.#salt.toString("base64")},i=${this.#options.iterations ?? 4096}`;
    return this.#serverFirst;
  }

  /**
   * Reads client-final; `binding` is the server's own `tls-exporter` binding data (`null`
   * when it has none), `endPoint` its `tls-server-end-point` data (`null` when it has none,
   * absent when it does not support that type). Returns server-final: `v=` on success,
   * `e=` otherwise.
   */
  final(clientFinal: string, binding: Buffer | null, endPoint?: Buffer | null): string {
    const m = /^(c=([^,]*),r=([^,]*)),p=([^,]*)$/.exec(clientFinal);
    if (m === null) return "e=invalid-encoding";
    const [, withoutProof, c, r, p] = m as unknown as [string, string, string, string, string];
    if (r !== this.#nonce) return "e=invalid-proof";
    const header = Buffer.from(this.gs2Header, "utf8");
    let expected = header;
    if (this.gs2Header.startsWith("p=")) {
      const type = this.gs2Header.slice(2, this.gs2Header.indexOf(","));
      const data = type === "tls-exporter" ? binding : type === "tls-server-end-point" ? endPoint : undefined;
      if (data === undefined) return "e=unsupported-channel-binding-type";
      if (data === null) return "e=channel-binding-not-supported";
      expected = Buffer.concat([header, data]);
    }
    if (!Buffer.from(c, "base64").equals(expected)) return "e=channel-bindings-dont-match";
    const hash = this.#options.hash ?? "sha256";
    const salted = pbkdf2Sync(this.#options.password, this.#salt, this.#options.iterations ?? 4096, hash === "sha1" ? 20 : 32, hash);
    const clientKey = createHmac(hash, salted).update("Client Key").digest();
    const storedKey = createHash(hash).update(clientKey).digest();
    const authMessage = `${this.#bare},${this.#serverFirst},${withoutProof}`;
    const signature = createHmac(hash, storedKey).update(authMessage).digest();
    const proof = Buffer.from(p, "base64");
    if (proof.length !== signature.length) return "e=invalid-proof";
    const recovered = Buffer.from(proof.map((byte, i) => byte ^ signature[i]!));
    if (!timingSafeEqual(createHash(hash).update(recovered).digest(), storedKey)) return "e=invalid-proof";
    const serverKey = createHmac(hash, salted).update("Server Key").digest();
    return `v=${createHmac(hash, serverKey).update(authMessage).digest("base64")}`;
  }
}
