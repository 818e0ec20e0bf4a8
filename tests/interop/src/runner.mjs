// A tiny sequential test runner. Scenarios share one demesh and run in
// order; each is a named test. printSummary's last line is exactly
// `N passed, N failed` (what CI counts).

export async function runTests(tests, { timeoutMs = 60_000, only } = {}) {
  let passed = 0;
  let failed = 0;
  const failures = [];
  for (const t of tests) {
    if (only && !only.some((o) => t.name.includes(o))) continue;
    const started = Date.now();
    let error = t.blocked ?? null;
    if (!error) {
      let timer;
      try {
        await Promise.race([
          t.fn(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } catch (e) {
        error = e;
      } finally {
        clearTimeout(timer);
      }
    }
    const ms = Date.now() - started;
    if (error) {
      failed++;
      failures.push(t.name);
      console.log(`FAIL  ${t.name} (${ms} ms)`);
      if (t.note) console.log(`      note: ${t.note}`);
      console.log(indent(error instanceof Error ? error.message : String(error)));
    } else {
      passed++;
      console.log(`PASS  ${t.name} (${ms} ms)`);
    }
  }
  return { passed, failed, failures };
}

/** The closing lines; the very last one is what CI counts. */
export function printSummary({ passed, failed, failures }) {
  if (failures.length) console.log(`\nfailed: ${failures.join("; ")}`);
  console.log(`${passed} passed, ${failed} failed`);
}

function indent(text) {
  return text
    .split("\n")
    .map((l) => `      ${l}`)
    .join("\n");
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `probe` until it returns a truthy value (returned) or `timeoutMs`
 * passes (throws, with `describe()` appended for context).
 */
export async function waitFor(what, probe, { timeoutMs = 10_000, intervalMs = 100, describe } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (true) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  const extra = describe ? `\n${await describe()}` : "";
  const why = lastError ? ` (last error: ${lastError.message})` : "";
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}${extra}`);
}
