#!/usr/bin/env node
// Mutation testing of queries/*.sql (issue 25; `npm run mutate:sql`, not in CI). StrykerJS does not
// mutate SQL, so this script holds a list of meaningful mutations of the queries (comparison
// operators, clipping, greatest/least, weights, quantile functions, join keys, price factors). It
// applies each in turn to its file in queries/ (the tests, in-process and the built CLI alike,
// read the queries from there), runs the test files listed for it, and puts the file back
// byte for byte, also when the run is interrupted. A mutation is caught when a test fails. A
// mutation that no test can catch because it does not change any result stays on the list,
// marked `equivalent` with the reason; every other survivor is a missing test.
//
//   node scripts/mutate-sql.mjs                 every mutation
//   node scripts/mutate-sql.mjs --only m01,m07  some of them
//   node scripts/mutate-sql.mjs --list          the list, without running anything
//
// Exit 0 when every mutation not marked equivalent was caught, 1 otherwise.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** @type {{ id: string, file: string, what: string, find: string, replace: string, tests: string[], equivalent?: string }[]} */
const MUTATIONS = [
  // ---------------------------------------------------------------- self time (model.sql _covered)
  { id: "m01", file: "model.sql", what: "a child's start not clipped to its parent's",
    find: "greatest(c.start_ns, p.start_ns) AS s_ns", replace: "c.start_ns AS s_ns", tests: ["self-time", "cost-model"] },
  { id: "m02", file: "model.sql", what: "a child's end not clipped to its parent's",
    find: "least(c.start_ns + c.duration_ns, p.start_ns + p.duration_ns) AS e_ns", replace: "c.start_ns + c.duration_ns AS e_ns", tests: ["self-time", "cost-model"] },
  { id: "m03", file: "model.sql", what: "a child's coverage compared with the previous sibling only, not every earlier one",
    find: "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end", replace: "ROWS BETWEEN 1 PRECEDING AND 1 PRECEDING) AS prev_end", tests: ["self-time"] },
  { id: "m04", file: "model.sql", what: "a child inside an earlier sibling subtracts (no greatest(0, …))",
    find: "sum(greatest(0, e_ns - greatest(s_ns, COALESCE(prev_end, s_ns))))", replace: "sum(e_ns - greatest(s_ns, COALESCE(prev_end, s_ns)))", tests: ["self-time"] },
  { id: "m05", file: "model.sql", what: "overlapping children summed, not their union",
    find: "sum(greatest(0, e_ns - greatest(s_ns, COALESCE(prev_end, s_ns))))", replace: "sum(e_ns - s_ns)", tests: ["self-time"] },
  { id: "m06", file: "model.sql", what: "self time not floored at 0",
    find: "greatest(0, b.duration_ns - COALESCE(cv.covered_ns, 0)) AS self_ns", replace: "b.duration_ns - COALESCE(cv.covered_ns, 0) AS self_ns", tests: ["self-time", "cost-model"],
    equivalent: "covered_ns is the union of the children's intervals clipped to the parent, so it never exceeds the parent's duration: the floor is a guard, never reached" },
  { id: "m07", file: "model.sql", what: "the covered time joined on span id alone (not trace id too)",
    find: "LEFT JOIN _covered cv ON cv.trace_id = b.trace_id AND cv.span_id = b.span_id", replace: "LEFT JOIN _covered cv ON cv.span_id = b.span_id", tests: ["self-time", "fixture", "cost-model"] },
  // ---------------------------------------------------------------- prices (model.sql priced)
  { id: "m08", file: "model.sql", what: "compute priced from duration, not self time",
    find: "f.self_ns / 3.6e12 * COALESCE(f.vcpus_attr, cp.vcpus) * cp.vcpu_hour_usd", replace: "f.duration_ns / 3.6e12 * COALESCE(f.vcpus_attr, cp.vcpus) * cp.vcpu_hour_usd", tests: ["self-time"] },
  { id: "m09", file: "model.sql", what: "host.cpu.count before compute.vcpus",
    find: "COALESCE(adtrace_vcpus(s.attributes['compute.vcpus']), adtrace_vcpus(s.attributes['host.cpu.count']))",
    replace: "COALESCE(adtrace_vcpus(s.attributes['host.cpu.count']), adtrace_vcpus(s.attributes['compute.vcpus']))", tests: ["prices"] },
  { id: "m10", file: "model.sql", what: "db.credits_used before snowflake.credits_used",
    find: "COALESCE(adtrace_credits(s.attributes['snowflake.credits_used']), adtrace_credits(s.attributes['db.credits_used']))",
    replace: "COALESCE(adtrace_credits(s.attributes['db.credits_used']), adtrace_credits(s.attributes['snowflake.credits_used']))", tests: ["prices"] },
  { id: "m11", file: "model.sql", what: "the warehouse size attribute ignored (always the book's default size)",
    find: "wp.credits_per_hour[COALESCE(f.size_attr, wp.default_size)]", replace: "wp.credits_per_hour[wp.default_size]", tests: ["prices"] },
  { id: "m12", file: "model.sql", what: "bytes priced without the warehouse's minimum",
    find: "greatest(f.bytes_attr, COALESCE(wp.min_bytes, 0))", replace: "f.bytes_attr", tests: ["prices"] },
  { id: "m13", file: "model.sql", what: "a TiB taken as 10^12 bytes",
    find: "/ 1099511627776.0 * wp.tib_usd", replace: "/ 1e12 * wp.tib_usd", tests: ["prices", "fixture"] },
  { id: "m14", file: "model.sql", what: "RPU time from duration in ms instead of ns",
    find: "wp.rpus * f.duration_ns / 1e9) / 3600.0", replace: "wp.rpus * f.duration_ns / 1e6) / 3600.0", tests: ["prices"] },
  { id: "m15", file: "model.sql", what: "hour-priced warehouses: hours from µs instead of ns",
    find: "WHEN wp.hour_usd IS NOT NULL THEN f.duration_ns / 3.6e12 * wp.hour_usd", replace: "WHEN wp.hour_usd IS NOT NULL THEN f.duration_ns / 3.6e9 * wp.hour_usd", tests: ["prices"] },
  { id: "m16", file: "model.sql", what: "a compute book not yet in force at exactly its effective_from",
    find: "ON f.start_ns >= cp.effective_from_ns AND f.start_ns < cp.effective_to_ns", replace: "ON f.start_ns > cp.effective_from_ns AND f.start_ns <= cp.effective_to_ns", tests: ["prices", "cost-model"] },
  { id: "m17", file: "model.sql", what: "a warehouse book not yet in force at exactly its effective_from",
    find: "AND f.start_ns >= wp.effective_from_ns AND f.start_ns < wp.effective_to_ns", replace: "AND f.start_ns > wp.effective_from_ns AND f.start_ns < wp.effective_to_ns", tests: ["prices", "cost-model"] },
  { id: "m18", file: "model.sql", what: "the warehouse price joined without its system (every book prices every warehouse)",
    find: "LEFT JOIN warehouse_price_ranges wp ON wp.system = f.warehouse AND", replace: "LEFT JOIN warehouse_price_ranges wp ON", tests: ["prices", "fixture"] },
  { id: "m19", file: "model.sql", what: "an explicit cost on a warehouse span counted as compute, not query cost",
    find: "WHEN 'explicit' THEN CASE WHEN warehouse IS NULL THEN 0 ELSE explicit_usd END", replace: "WHEN 'explicit' THEN 0", tests: ["fixture", "cost-model"] },
  { id: "m20", file: "model.sql", what: "a cost of exactly $0 out of range (lower bound exclusive)",
    find: "CASE WHEN isfinite(v) AND v >= lo AND v <= hi THEN v END", replace: "CASE WHEN isfinite(v) AND v > lo AND v <= hi THEN v END", tests: ["cost-model", "bad-input", "prices"] },
  // ---------------------------------------------------------------- sampling weights (model.sql)
  { id: "m21", file: "model.sql", what: "a span without a rate takes its trace's largest, not its root's",
    find: "COALESCE(max(carried) FILTER (WHERE parent_span_id IS NULL), max(carried)) AS weight", replace: "max(carried) AS weight", tests: ["weights", "event-weight"] },
  { id: "m22", file: "model.sql", what: "an event takes its spans' largest weight, not its root's",
    find: "COALESCE(max(weight) FILTER (WHERE parent_span_id IS NULL), max(weight)) AS w", replace: "max(weight) AS w", tests: ["event-weight", "weights"] },
  { id: "m23", file: "model.sql", what: "a rootless event takes its spans' smallest weight",
    find: "COALESCE(max(weight) FILTER (WHERE parent_span_id IS NULL), max(weight)) AS w", replace: "COALESCE(max(weight) FILTER (WHERE parent_span_id IS NULL), min(weight)) AS w", tests: ["event-weight"] },
  { id: "m24", file: "model.sql", what: "the OpenTelemetry threshold padded on the wrong side",
    find: "CAST(('0x' || rpad(th, 14, '0')) AS UBIGINT)", replace: "CAST(('0x' || lpad(th, 14, '0')) AS UBIGINT)", tests: ["weights"] },
  { id: "m25", file: "model.sql", what: "legacy ot=p:N read as 2^(N-1)",
    find: "THEN pow(2, CAST(p AS INTEGER))", replace: "THEN pow(2, CAST(p AS INTEGER) - 1)", tests: ["weights"] },
  { id: "m26", file: "model.sql", what: "Datadog's _sample_rate taken as the weight, not its inverse",
    find: "WHEN dd_rate IS NOT NULL THEN 1 / dd_rate", replace: "WHEN dd_rate IS NOT NULL THEN dd_rate", tests: ["weights"] },
  { id: "m27", file: "model.sql", what: "the last matching sampling rule wins instead of the first",
    find: "1.0 / arg_min(r.rate, r.priority) AS weight", replace: "1.0 / arg_max(r.rate, r.priority) AS weight", tests: ["weights", "decisions-cli"] },
  { id: "m28", file: "model.sql", what: "an event's end-to-end duration taken as its longest span",
    find: "max(start_ns + duration_ns) - min(start_ns) AS e2e_ns", replace: "max(duration_ns) AS e2e_ns", tests: ["weights", "fixture"] },
  // ---------------------------------------------------------------- breakdown and percentiles (cost.sql)
  { id: "m29", file: "cost.sql", what: "p99 computed as a second p95",
    find: "quantile_cont(duration_ns, [0.5, 0.95, 0.99]) AS dq", replace: "quantile_cont(duration_ns, [0.5, 0.95, 0.95]) AS dq", tests: ["self-time"] },
  { id: "m30", file: "cost.sql", what: "self-time percentiles over duration",
    find: "quantile_cont(self_ns, [0.5, 0.95]) AS sq", replace: "quantile_cont(duration_ns, [0.5, 0.95]) AS sq", tests: ["self-time"] },
  { id: "m31", file: "cost.sql", what: "percentiles by the nearest rank (quantile_disc) instead of interpolation",
    find: "quantile_cont(duration_ns, [0.5, 0.95, 0.99]) AS dq", replace: "quantile_disc(duration_ns, [0.5, 0.95, 0.99]) AS dq", tests: ["self-time", "fixture"] },
  { id: "m32", file: "cost.sql", what: "compute per event divided by the group's events, not all events",
    find: "g.group_compute_usd / a.n AS compute_per_event_usd", replace: "g.group_compute_usd / e.events AS compute_per_event_usd", tests: ["breakdown-groups", "self-time"] },
  { id: "m33", file: "cost.sql", what: "cost per group event divided by all events",
    find: "(g.group_compute_usd + g.group_query_usd) / e.events END AS cost_per_group_event_usd", replace: "(g.group_compute_usd + g.group_query_usd) / a.n END AS cost_per_group_event_usd", tests: ["breakdown-groups"] },
  { id: "m34", file: "cost.sql", what: "a group's event counted with its smallest span weight",
    find: "SELECT g1, g2, g3, trace_id, max(weight) AS w FROM c GROUP BY g1, g2, g3, trace_id", replace: "SELECT g1, g2, g3, trace_id, min(weight) AS w FROM c GROUP BY g1, g2, g3, trace_id", tests: ["breakdown-groups"] },
  { id: "m35", file: "cost.sql", what: "the weighted end-to-end p95 passes q only strictly",
    find: "min(e2e_ns) FILTER (WHERE cw >= 0.95 * tw) / 1e6 AS e2e_p95_ms", replace: "min(e2e_ns) FILTER (WHERE cw > 0.95 * tw) / 1e6 AS e2e_p95_ms", tests: ["event-weight"] },
  { id: "m36", file: "cost.sql", what: "the weighted group p95 passes q only strictly",
    find: "min(v) FILTER (WHERE cw >= 0.95 * tw) / 1e6 AS p95_ms", replace: "min(v) FILTER (WHERE cw > 0.95 * tw) / 1e6 AS p95_ms", tests: ["event-weight"] },
  { id: "m37", file: "cost.sql", what: "the weighted query p95 passes q only strictly",
    find: "min(duration_ns) FILTER (WHERE cw >= 0.95 * tw) AS p95_ns", replace: "min(duration_ns) FILTER (WHERE cw > 0.95 * tw) AS p95_ns", tests: ["event-weight"] },
  { id: "m38", file: "cost.sql", what: "bytes per call divided by every call, those without bytes too",
    find: "/ adtrace_sum(CASE WHEN bytes_scanned IS NOT NULL THEN weight END, 1e18) AS bytes_scanned_per_call", replace: "/ adtrace_sum(weight, 1e18) AS bytes_scanned_per_call", tests: ["fixture", "prices", "weights"] },
  { id: "m39", file: "cost.sql", what: "the unweighted end-to-end p95 of the totals by the nearest rank",
    find: "quantile_cont(e2e_ns, 0.95) / 1e6 AS e2e_p95_ms", replace: "quantile_disc(e2e_ns, 0.95) / 1e6 AS e2e_p95_ms", tests: ["weights"] },
  { id: "m40", file: "cost.sql", what: "an event's cost in a group not divided back by the event's weight (diff's significance)",
    find: "adtrace_sum(cost_usd * weight, 1e18) / any_value(ew.w) AS cost_usd", replace: "adtrace_sum(cost_usd * weight, 1e18) AS cost_usd", tests: ["diff-gates", "decisions-cli"] },
  // ---------------------------------------------------------------- flags and savings
  { id: "m41", file: "flags.sql", what: "a stage's warehouse share taken of the total cost, not the stage's",
    find: "CASE WHEN st.cost_usd > 0 THEN st.query_usd / st.cost_usd ELSE 0 END AS warehouse_cost_share", replace: "CASE WHEN st.cost_usd > 0 THEN st.query_usd / t.cost_usd ELSE 0 END AS warehouse_cost_share", tests: ["fixture", "decisions"] },
  { id: "m42", file: "flags.sql", what: "warehouse calls per event not weighted by sampling",
    find: "adtrace_sum(cost_usd * weight, 1e18) AS cost_usd, adtrace_sum(weight, 1e18) AS calls, count(*) AS stored_calls", replace: "adtrace_sum(cost_usd * weight, 1e18) AS cost_usd, count(*) AS calls, count(*) AS stored_calls", tests: ["decisions", "weights", "fixture"] },
  { id: "m43", file: "savings.sql", what: "savings' per-event stage cost not divided back by the event's weight",
    find: "adtrace_sum(query_usd * weight, 1e18) / any_value(ew.w) AS query_usd", replace: "adtrace_sum(query_usd * weight, 1e18) AS query_usd", tests: ["decisions", "event-weight"] },
  // ---------------------------------------------------------------- pull
  { id: "m44", file: "pull.sql", what: "the start watermark may move backwards (not the greatest of the stored and the new)",
    find: "SET max_start_ns = greatest(pull_state.max_start_ns, excluded.max_start_ns)", replace: "SET max_start_ns = excluded.max_start_ns", tests: ["pull"] },
  { id: "m45", file: "pull.sql", what: "the ingestion-column watermark may move backwards",
    find: "THEN greatest(pull_state.mark_ns, excluded.mark_ns) ELSE excluded.mark_ns END", replace: "THEN excluded.mark_ns ELSE excluded.mark_ns END", tests: ["pull"] },
];

function parseArgs(argv) {
  const only = argv.includes("--only") ? new Set(argv[argv.indexOf("--only") + 1].split(",")) : undefined;
  return { only, list: argv.includes("--list") };
}

function run(command, args, env = {}) {
  return spawnSync(command, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env }, timeout: 15 * 60_000, maxBuffer: 64 << 20 });
}

function vitest(tests) {
  // The built CLI reads queries/ at run time: dist/ is built once, here, not per mutation.
  return run(process.execPath, ["node_modules/vitest/vitest.mjs", "run", "--bail=1", ...tests.map((t) => `test/${t}.test.ts`)], { ADTRACE_TEST_SKIP_BUILD: "1" });
}

const { only, list } = parseArgs(process.argv.slice(2));
const chosen = MUTATIONS.filter((m) => !only || only.has(m.id));

// Each mutation must find its text exactly once: a query that changed makes the list stale, loudly.
const originals = new Map();
for (const m of chosen) {
  const path = join(ROOT, "queries", m.file);
  if (!originals.has(path)) originals.set(path, readFileSync(path, "utf8"));
  const count = originals.get(path).split(m.find).length - 1;
  if (count !== 1) {
    console.error(`mutate-sql: ${m.id} (${m.file}): the text to mutate occurs ${count} times, expected once: ${m.find}`);
    process.exit(2);
  }
}
if (list) {
  for (const m of chosen) console.log(`${m.id} ${m.file}: ${m.what}${m.equivalent ? " [equivalent]" : ""} (tests: ${m.tests.join(", ")})`);
  process.exit(0);
}

const restore = () => {
  for (const [path, text] of originals) if (readFileSync(path, "utf8") !== text) writeFileSync(path, text);
};
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => { restore(); process.exit(130); });

if (!existsSync(join(ROOT, "dist", "index.js")) || run(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"]).status !== 0) {
  console.error("mutate-sql: the build failed");
  process.exit(2);
}
// Unmutated, every test file listed must pass, or every mutation would look caught.
const files = [...new Set(chosen.flatMap((m) => m.tests))].sort();
const baseline = vitest(files);
if (baseline.status !== 0) {
  console.error(`mutate-sql: the tests fail without any mutation:\n${baseline.stdout.slice(-4000)}${baseline.stderr.slice(-2000)}`);
  process.exit(2);
}

const results = [];
try {
  for (const m of chosen) {
    const path = join(ROOT, "queries", m.file);
    writeFileSync(path, originals.get(path).replace(m.find, m.replace));
    const started = Date.now();
    const r = vitest(m.tests);
    restore();
    const caught = r.status !== 0;
    const verdict = caught ? "caught" : m.equivalent ? "survived (equivalent)" : "SURVIVED";
    results.push({ ...m, caught });
    console.log(`${m.id} ${verdict.padEnd(21)} ${m.file}: ${m.what} [${m.tests.join(", ")}; ${((Date.now() - started) / 1000).toFixed(0)} s]`);
    if (m.equivalent) console.log(`      equivalent: ${m.equivalent}`);
  }
} finally {
  restore();
}

const caught = results.filter((r) => r.caught).length;
const equivalent = results.filter((r) => !r.caught && r.equivalent).length;
const survived = results.filter((r) => !r.caught && !r.equivalent);
const scored = results.length - equivalent;
console.log(`\n${caught} of ${results.length} mutations caught, ${equivalent} equivalent, ${survived.length} survived: ` +
  `score ${scored ? ((100 * caught) / scored).toFixed(1) : "100.0"}% of the non-equivalent`);
for (const r of survived) console.log(`  survived: ${r.id} ${r.file}: ${r.what}`);
process.exit(survived.length ? 1 : 0);
