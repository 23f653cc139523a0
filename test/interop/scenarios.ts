// The interop scenarios, in matrix order: each one drives the library's public API (or its
// command line: scenarios-cli.ts) against one server and checks what the server stored. A
// scenario throws (fails) or resolves with a note.
import type { Scenario } from "./kit.js";
import { abortScenarios } from "./scenarios-abort.js";
import { lowLevelScenarios } from "./scenarios-lowlevel.js";
import { parityScenarios } from "./scenarios-parity.js";
import { cliScenarios } from "./scenarios-cli.js";
import { limitScenarios } from "./scenarios-limits.js";
import { oauthScenarios } from "./scenarios-oauth.js";
import { contentScenarios } from "./scenarios-content.js";
import { poolScenarios } from "./scenarios-pool.js";
import { sessionScenarios } from "./scenarios-session.js";

export type { Context, Offers, Scenario, ServerDef } from "./kit.js";

export const scenarios: Scenario[] = [...sessionScenarios, ...oauthScenarios, ...contentScenarios, ...lowLevelScenarios, ...poolScenarios, ...abortScenarios, ...limitScenarios, ...parityScenarios, ...cliScenarios];
