// Entry point: node src/main.mjs DEMESH_BINARY DATABASE_URL [FILTER…]
// Starts three Fedify peers and one demesh, runs every scenario in order,
// prints `N passed, N failed` last and exits non-zero on any failure.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Demesh } from "./demesh.mjs";
import { Peer } from "./peer.mjs";
import { printSummary, runTests } from "./runner.mjs";
import { scenarios as baseScenarios } from "./scenarios.mjs";
import { rulesScenarios } from "./scenarios_rules.mjs";
import { mastodonScenarios } from "./scenarios_mastodon.mjs";

/** Every scenario in order; issue #13's run before the last, "group delete". */
function scenarios(env) {
  const base = baseScenarios(env);
  return [...base.slice(0, -1), ...rulesScenarios(env), ...mastodonScenarios(env), ...base.slice(-1)];
}

const [bin, databaseUrl, ...only] = process.argv.slice(2);
if (!bin || !databaseUrl) {
  console.error("usage: node src/main.mjs DEMESH_BINARY DATABASE_URL [NAME_FILTER…]");
  process.exit(2);
}

const logDir = mkdtempSync(join(tmpdir(), "demesh-interop-"));
const peers = {
  A: new Peer("A", ["alice", "dave", "erin"]),
  // B signs draft-cavage first (as Mastodon does); A and C use Fedify's
  // default, RFC 9421 first with a draft-cavage retry on 4xx.
  B: new Peer("B", ["bob"], { firstKnock: "draft-cavage-http-signatures-12" }),
  C: new Peer("C", ["mallory"]),
};
let demesh = null;

async function teardown() {
  await demesh?.stop().catch(() => {});
  await Promise.all(Object.values(peers).map((p) => p.stop().catch(() => {})));
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, async () => {
    await teardown();
    process.exit(130);
  });
}

let result;
try {
  await Promise.all(Object.values(peers).map((p) => p.start()));
  demesh = await Demesh.start({
    bin: resolve(bin),
    databaseUrl,
    logPath: join(logDir, "demesh.log"),
  });
  await demesh.cli("group", "create", "club", "--display-name", "Club").catch((e) => {
    throw new Error(`${e.message}\n(DATABASE_URL must name an empty database)`);
  });
  // The welcome (on by default) would add a direct message to what the
  // scenarios count; scenarios_rules.mjs turns it on where it is tested.
  await demesh.cli("group", "set", "club", "welcome", "off");
  console.log(`demesh ${demesh.baseUrl} (${databaseUrl}); log ${join(logDir, "demesh.log")}`);
  for (const p of Object.values(peers)) {
    const knock = p.firstKnock ?? "rfc9421";
    console.log(`peer ${p.name} ${p.origin}: ${p.accountNames.join(", ")} (signs ${knock} first)`);
  }
  result = await runTests(scenarios({ demesh, ...peers }), { only: only.length ? only : undefined });
} catch (e) {
  // Setup failed: every scenario counts as failed.
  console.log(`setup failed: ${e?.stack ?? e}`);
  const names = scenarios({ demesh: demesh ?? new Demesh({ bin, databaseUrl, port: 0 }), ...peers });
  result = await runTests(names.map((t) => ({ ...t, blocked: new Error("setup failed") })));
} finally {
  await teardown();
  if (result?.failed && demesh) {
    console.log(`--- demesh log tail (${join(logDir, "demesh.log")}) ---\n${demesh.tail(40)}`);
  }
}
printSummary(result);
process.exit(result?.failed ? 1 : 0);
