/**
 * The OAuth error challenge shared by XOAUTH2 and OAUTHBEARER (RFC 7628 §3.2.2): after a
 * refused token the server sends a 334 whose payload is a JSON object such as
 * `{"status":"invalid_token","schemes":"bearer","scope":"..."}`; the client must answer
 * it (with a dummy response) and the server then sends the final failure reply.
 * @module
 */

/**
 * Parses an OAuth error challenge. Returns the JSON value, or the challenge text itself
 * when it is not JSON (never throws: the details are informative only).
 */
export function parseOAuthError(challenge: Buffer): unknown {
  const text = challenge.toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
