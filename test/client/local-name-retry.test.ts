/**
 * This host's name, when no lookup found it (DNS not answering yet when a service starts),
 * is looked up again by the next client, as Python computes it for each SMTP object: the
 * first failure is not kept for the life of the process. `os.hostname` and the lookups are
 * replaced for this file's process.
 */

import dnsPromises from "node:dns/promises";
import os from "node:os";
import { after, describe, it } from "node:test";
import { withScript } from "../helpers/client.js";

const realHostname = os.hostname;
const realLookup = dnsPromises.lookup;
const realLookupService = dnsPromises.lookupService;
let dnsUp = false;
os.hostname = () => "box";
dnsPromises.lookup = (async (name: string) => {
  if (name !== "box" || !dnsUp) throw Object.assign(new Error(`getaddrinfo EAI_AGAIN ${name}`), { code: "EAI_AGAIN" });
  return { address: "192.0.2.7", family: 4 };
}) as typeof dnsPromises.lookup;
dnsPromises.lookupService = (async () => ({ hostname: "box.example.org", service: "0" })) as typeof dnsPromises.lookupService;

after(() => {
  os.hostname = realHostname;
  dnsPromises.lookup = realLookup;
  dnsPromises.lookupService = realLookupService;
});

describe("this host's name, not found at first", () => {
  it("the first client gives an address literal; once DNS answers, the next one gives the name", async () => {
    const noName = "S: 220 mx.test ESMTP\nC: EHLO [127.0.0.1]\nS: 250 mx.test\n";
    await withScript(noName, async (client) => { await client.ehlo(); }, { localHostname: undefined });
    dnsUp = true;
    const named = "S: 220 mx.test ESMTP\nC: EHLO box.example.org\nS: 250 mx.test\n";
    await withScript(named, async (client) => { await client.ehlo(); }, { localHostname: undefined });
  });
});
