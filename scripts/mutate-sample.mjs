#!/usr/bin/env node
// A seeded random sample of StrykerJS's mutants over src/analysis, src/model and src/output
// (issue 25; `npm run mutate:sample`, not in CI): the mutation score of the whole folders
// estimated with a 95% interval, in an hour or so instead of the days every mutant takes on two
// cores.
//
// 1. The population: Stryker's own instrumenter (@stryker-mutator/instrumenter, the one
//    @stryker-mutator/core runs) lists every mutant of every .ts file in the three folders, with
//    its file, location, mutator and replacement, without running anything (a few seconds).
// 2. A simple random sample of --size K of them (a seeded Fisher–Yates shuffle; --seed to change).
// 3. Stryker runs exactly those: --mutate gets each sampled mutant's own range (file:line:col-
//    line:col), which also selects the mutants on the same node and inside it; the instrumenter is
//    wrapped so those others come back "Ignored" (not in the sample) and are never type-checked
//    or run. Everything else is stryker.config.mjs: the TypeScript checker, perTest coverage,
//    ignoreStatic; the tests are vitest.mutate-sample.config.ts.
// 4. The report: killed, timed out, survived, no coverage, compile errors and ignored (static)
//    among the sample; the score by Stryker's definition, (killed + timeout) / (killed + timeout +
//    survived + no coverage), with a Wilson 95% interval, overall and per folder; the survivors
//    (file:line, mutator, replacement) in survivors.md for a developer to work through.
//
//   npm run mutate:sample -- --size 300 --seed 25 --concurrency 2
//   node scripts/mutate-sample.mjs --list            # population only: counts per folder and mutator
//   node scripts/mutate-sample.mjs --report DIR      # the report again from DIR/results.json
//   node scripts/mutate-sample.mjs --retry DIR --tests vitest.other.config.ts
//                                                    # the sample's pending, survived and no-coverage
//                                                    # mutants again, against another test list
//
// Output goes to reports/mutation-sample/ (--out to change): population.json, sample.json,
// results.json (every sampled mutant's status), summary.md, survivors.md.
// Needs a built dist/ (npm run build); the tests' global setup then skips tsc (ADTRACE_TEST_SKIP_BUILD=1,
// which this script sets: the build fails inside Stryker's sandbox).
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";

export const FOLDERS = ["src/analysis", "src/model", "src/output"];

const USAGE = `usage: node scripts/mutate-sample.mjs [--size K] [--seed S] [--concurrency N] [--out DIR] [--tests CONFIG] [--timeout-ms MS]
       node scripts/mutate-sample.mjs --list
       node scripts/mutate-sample.mjs --report DIR     (the report again from DIR/results.json)
       node scripts/mutate-sample.mjs --partial DIR    (the results so far of the runs into DIR)
       node scripts/mutate-sample.mjs --resume DIR     (run the sample's mutants that have no result yet)
       node scripts/mutate-sample.mjs --retry DIR [--tests CONFIG]
                                                     (run again those pending, survived or not covered)`;

/** Every .ts file under the folders, relative to the repository, sorted. */
export function sourceFiles(root = process.cwd(), folders = FOLDERS) {
  const walk = (dir) =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(`${dir}/${entry.name}`) : entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [`${dir}/${entry.name}`] : []);
  return folders.flatMap(walk).sort();
}

const quietLogger = {
  isTraceEnabled: () => false, isDebugEnabled: () => false, isInfoEnabled: () => false,
  isWarnEnabled: () => false, isErrorEnabled: () => false, isFatalEnabled: () => false,
  trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {},
};

/** A mutant's identity across runs: file, Stryker's location (lines 0-based, columns 0-based), mutator, replacement. */
export function mutantKey(m, root = process.cwd()) {
  const file = relative(root, resolve(root, m.fileName)).split("\\").join("/");
  const { start, end } = m.location;
  return `${file}:${start.line + 1}:${start.column}-${end.line + 1}:${end.column} ${m.mutatorName} ${m.replacement}`;
}

/**
 * The key of a mutant in Stryker's results (runMutationTest, the reporters' events): the same as
 * mutantKey, but their locations are the report schema's, lines and columns both 1-based.
 */
export function resultKey(r, root = process.cwd()) {
  const { start, end } = r.location;
  return mutantKey({ ...r, location: { start: { line: start.line - 1, column: start.column - 1 }, end: { line: end.line - 1, column: end.column - 1 } } }, root);
}

/**
 * Every mutant Stryker makes in the files, in file and source order: { key, file, line, range,
 * original, mutatorName, replacement, status? }. `original` is the source text the mutant replaces,
 * so whoever applies a survivor by hand replaces what Stryker replaced, not a neighbour on its line.
 */
export async function population(files, root = process.cwd()) {
  const { Instrumenter } = await import("@stryker-mutator/instrumenter");
  const instrumenter = new Instrumenter(quietLogger);
  const inputs = files.map((name) => ({ name: resolve(root, name), mutate: true, content: readFileSync(resolve(root, name), "utf8") }));
  const lines = new Map(inputs.map((i) => [i.name, i.content.split("\n")]));
  const { mutants } = await instrumenter.instrument(inputs, { plugins: null, excludedMutations: [], ignorers: [] });
  const seen = new Map();
  return mutants.map((m) => {
    let key = mutantKey(m, root);
    // Two mutants alike in all four (not seen so far, but cheap to rule out) are told apart by their order.
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    if (n > 0) key += ` #${n + 1}`;
    const file = key.slice(0, key.indexOf(":"));
    const { start, end } = m.location;
    return {
      key, file, line: start.line + 1,
      range: `${file}:${start.line + 1}:${start.column}-${end.line + 1}:${end.column}`,
      original: sourceText(lines.get(resolve(root, m.fileName)) ?? [], m.location),
      mutatorName: m.mutatorName, replacement: m.replacement, ...(m.status ? { status: m.status } : {}),
    };
  });
}

/** The text between a 0-based { line, column } start and end in a file's lines. */
export function sourceText(lines, { start, end }) {
  if (start.line === end.line) return (lines[start.line] ?? "").slice(start.column, end.column);
  return [(lines[start.line] ?? "").slice(start.column), ...lines.slice(start.line + 1, end.line), (lines[end.line] ?? "").slice(0, end.column)].join("\n");
}

/** sfc32 seeded by the 32-bit integer: the same seed gives the same draws on every machine. */
export function random(seed) {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const r = (t + d) | 0;
    c = (c + r) | 0;
    return (r >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i += 1) next();
  return next;
}

/** A simple random sample of k of the items, without replacement (partial Fisher–Yates), in the items' order. */
export function sample(items, k, seed) {
  const next = random(seed);
  const index = items.map((_, i) => i);
  const take = Math.min(k, items.length);
  for (let i = 0; i < take; i += 1) {
    const j = i + Math.floor(next() * (index.length - i));
    [index[i], index[j]] = [index[j], index[i]];
  }
  return index.slice(0, take).sort((x, y) => x - y).map((i) => items[i]);
}

/** Wilson score interval for x successes in n trials (z = 1.96 for 95%). */
export function wilson(x, n, z = 1.959964) {
  if (n === 0) return { p: NaN, low: NaN, high: NaN };
  const p = x / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

const STATUSES = ["Killed", "Timeout", "Survived", "NoCoverage", "CompileError", "RuntimeError", "Ignored"];

/** Counts by status and the score ((killed + timeout) / valid, valid = those plus survived and no coverage) with its interval. */
export function tally(results) {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  const detected = counts.Killed + counts.Timeout;
  const valid = detected + counts.Survived + counts.NoCoverage;
  return { counts, detected, valid, sampled: results.length, ...wilson(detected, valid) };
}

const pct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "–");

export function summarize(meta, results) {
  const groups = [["all three folders", results], ...FOLDERS.map((f) => [f, results.filter((r) => r.file.startsWith(`${f}/`))])];
  const lines = [
    `# Stryker mutation score, sampled (${meta.date})`,
    "",
    `Population: ${meta.populationSize} mutants in ${meta.files} files of ${FOLDERS.join(", ")} ` +
      `(${FOLDERS.map((f) => `${f}: ${meta.perFolder[f]}`).join(", ")}). ` +
      `Sample: ${results.length} drawn at random, seed ${meta.seed}. Tests: ${meta.tests}.`,
    "",
    "Score = (killed + timeout) / (killed + timeout + survived + no coverage); compile errors, runtime errors and ignored (static) mutants do not count, as in Stryker. Interval: Wilson 95% over the valid mutants of the sample.",
    "",
    "| scope | sampled | killed | timeout | survived | no coverage | compile error | runtime error | ignored | valid | score | 95% interval |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  const tallies = {};
  for (const [name, rs] of groups) {
    const t = tally(rs);
    tallies[name] = t;
    const c = t.counts;
    lines.push(`| ${name} | ${t.sampled} | ${c.Killed} | ${c.Timeout} | ${c.Survived} | ${c.NoCoverage} | ${c.CompileError} | ${c.RuntimeError} | ${c.Ignored} | ${t.valid} | ${pct(t.p)} | ${pct(t.low)}–${pct(t.high)} |`);
  }
  if (meta.pending) {
    // Each pending mutant could be killed, or survive (or be a compile error: then it does not count).
    const t = tallies["all three folders"];
    const low = t.detected / (t.valid + meta.pending);
    const high = (t.detected + meta.pending) / (t.valid + meta.pending);
    lines.push("", `PARTIAL: ${meta.pending} of the ${meta.pending + results.length} sampled mutants have no result yet, so the scores above are of the mutants done so far, which are not a random part of the sample. ` +
      `Whatever the pending ones turn out to be, the sample's score lies between ${pct(low)} (all survive) and ${pct(high)} (all killed). \`--resume DIR\` runs them.`);
  }
  return { text: `${lines.join("\n")}\n`, tallies };
}

/**
 * Source text as a Markdown code span in a table cell: white space runs as one space, `|` escaped,
 * at most 120 characters, fenced by one backtick more than the longest run inside it (so a
 * template literal such as `` `x` `` reads as written).
 */
export function codeSpan(text) {
  const flat = text.replace(/\s+/g, " ").slice(0, 120).replace(/\|/g, "\\|");
  const fence = "`".repeat(Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

export function survivorsList(meta, results) {
  const rows = results.filter((r) => r.status === "Survived" || r.status === "NoCoverage");
  const lines = [
    `# Surviving mutants of the sample (seed ${meta.seed}, ${results.length} drawn, ${meta.date})`,
    "",
    "Each: a test that fails on it (compared with a hand-worked or independent value), or the reason it is equivalent.",
    "Apply each by hand as written: `original` → `replacement` at `where` (line 1-based, columns 0-based).",
    "A static mutant (its code runs when the module loads) can show as survived though a test kills it:",
    "with `ignoreStatic`, Stryker activates it only while the tests that loaded the module lazily run",
    "(TESTING.md, the seed-32 sample). Apply those by hand before writing a test.",
    "",
    "| status | where | static | mutator | original | replacement | tests that ran |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const original = r.original === undefined ? "" : codeSpan(r.original);
    lines.push(`| ${r.status} | ${r.range} | ${r.static === true ? "yes" : r.static === false ? "no" : ""} | ${r.mutatorName} | ${original} | ${codeSpan(r.replacement)} | ${r.testsCompleted ?? ""} |`);
  }
  return `${lines.join("\n")}\n`;
}

function writeReport(out, meta, results) {
  const { text, tallies } = summarize(meta, results);
  writeFileSync(join(out, "summary.md"), text);
  writeFileSync(join(out, "survivors.md"), survivorsList(meta, results));
  writeFileSync(join(out, "results.json"), `${JSON.stringify({ meta, tallies, results }, null, 1)}\n`);
  process.stdout.write(text);
  process.stdout.write(`\nsurvivors: ${join(out, "survivors.md")}\n`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      size: { type: "string", default: "300" },
      seed: { type: "string", default: "25" },
      concurrency: { type: "string", default: "2" },
      out: { type: "string", default: "reports/mutation-sample" },
      tests: { type: "string", default: "vitest.mutate-sample.config.ts" },
      list: { type: "boolean", default: false },
      report: { type: "string" },
      partial: { type: "string" },
      resume: { type: "string" },
      retry: { type: "string" },
      "dry-run-minutes": { type: "string", default: "40" },
      // A mutant's limit is its covering tests' dry-run time × 1.5 + this (stryker.config.mjs: 60 s);
      // the ClickHouse list needs more (vitest.mutate-clickhouse.config.ts says why).
      "timeout-ms": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  for (const option of ["concurrency", "dry-run-minutes", "timeout-ms"]) {
    const text = values[option];
    if (text !== undefined && !(Number(text) > 0)) throw new Error(`--${option} must be a positive number, got '${text}'\n${USAGE}`);
  }
  if (values.partial) {
    collect(values.partial);
    return;
  }
  if (values.resume) {
    // The sample of an earlier run, its pending mutants only (a run that was stopped, or ran out of time).
    const out = resolve(values.resume);
    const { drawn, results } = collect(out);
    const done = new Set(results.map((r) => r.key));
    const pending = drawn.filter((m) => !done.has(m.key));
    if (pending.length === 0) return;
    process.stdout.write(`resume: ${pending.length} pending mutants\n`);
    await runStryker(values, out, pending);
    collect(out);
    return;
  }
  if (values.retry) {
    // A longer test list can only kill more: a killed, timed-out or non-compiling mutant stays so,
    // so running the survived and uncovered ones (and any pending) against it gives what a whole
    // run against it would. Each run's results override those of the runs before it (collect()).
    const out = resolve(values.retry);
    const { drawn, results } = collect(out);
    const final = new Set(results.filter((r) => !["Survived", "NoCoverage"].includes(r.status)).map((r) => r.key));
    const again = drawn.filter((m) => !final.has(m.key));
    process.stdout.write(`retry: ${again.length} mutants (pending, survived or not covered) against ${values.tests}\n`);
    if (again.length === 0) return;
    await runStryker(values, out, again);
    collect(out);
    return;
  }
  if (values.report) {
    const { meta, results } = JSON.parse(readFileSync(join(values.report, "results.json"), "utf8"));
    writeReport(values.report, meta, results);
    return;
  }
  const size = Number(values.size);
  const seed = Number(values.seed);
  if (!Number.isInteger(size) || size < 1 || !Number.isInteger(seed)) throw new Error(`--size must be a positive integer and --seed an integer\n${USAGE}`);

  const files = sourceFiles();
  const started = Date.now();
  const all = await population(files);
  const perFolder = Object.fromEntries(FOLDERS.map((f) => [f, all.filter((m) => m.file.startsWith(`${f}/`)).length]));
  process.stdout.write(`population: ${all.length} mutants in ${files.length} files (${FOLDERS.map((f) => `${f} ${perFolder[f]}`).join(", ")}), listed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "population.json"), `${JSON.stringify(all)}\n`);
  if (values.list) {
    const byMutator = new Map();
    for (const m of all) byMutator.set(m.mutatorName, (byMutator.get(m.mutatorName) ?? 0) + 1);
    for (const [name, n] of [...byMutator].sort((x, y) => y[1] - x[1])) process.stdout.write(`  ${name} ${n}\n`);
    return;
  }

  const drawn = sample(all, size, seed);
  const meta = {
    date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
    seed, size: drawn.length, populationSize: all.length, files: files.length, perFolder, tests: values.tests,
  };
  writeFileSync(join(out, "sample.json"), `${JSON.stringify({ meta, drawn }, null, 1)}\n`);
  process.stdout.write(`sample: ${drawn.length} mutants, seed ${seed} (${join(out, "sample.json")})\n`);
  await runStryker(values, out, drawn);
  meta.minutes = Math.round((Date.now() - started) / 600) / 100;
  collect(out, meta);
}

/**
 * Stryker over the mutants `toRun` (each by its own range; the other mutants those ranges hold
 * come back Ignored), each result written as it comes to a new OUT/events-N/ (event-recorder),
 * where collect() and --partial find it.
 */
async function runStryker(values, out, toRun) {
  const wanted = new Set(toRun.map((m) => m.key));
  const { Instrumenter } = await import("@stryker-mutator/instrumenter");
  const instrument = Instrumenter.prototype.instrument;
  Instrumenter.prototype.instrument = async function (...args) {
    const result = await instrument.apply(this, args);
    const seen = new Map();
    result.mutants = result.mutants.map((m) => {
      let key = mutantKey(m);
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      if (n > 0) key += ` #${n + 1}`;
      return wanted.has(key) || m.status ? m : { ...m, status: "Ignored", statusReason: "not in the sample" };
    });
    return result;
  };

  process.env.ADTRACE_TEST_SKIP_BUILD = "1";
  if (!existsSync("dist/index.js")) throw new Error("dist/ is not built: npm run build first");
  let n = 1;
  while (existsSync(join(out, `events-${n}`))) n += 1;
  const { Stryker } = await import("@stryker-mutator/core");
  const stryker = new Stryker({
    mutate: [...new Set(toRun.map((m) => m.range))],
    concurrency: Number(values.concurrency),
    ...(values["timeout-ms"] ? { timeoutMS: Number(values["timeout-ms"]) } : {}),
    vitest: { configFile: values.tests, related: false },
    // event-recorder: each mutant's result as it comes, for --partial while it runs and --resume after.
    reporters: ["progress", "json", "event-recorder"],
    jsonReporter: { fileName: join(out, `mutation-${n}.json`) },
    eventReporter: { baseDir: join(out, `events-${n}`) },
    // The initial run of every test file takes several minutes on a loaded machine (Stryker's default limit is 5).
    dryRunTimeoutMinutes: Number(values["dry-run-minutes"]),
  });
  await stryker.runMutationTest();
}

/** The sampled mutants with Stryker's result for each (by file, range, mutator and replacement). */
export function matchResults(drawn, mutantResults, missing = "RuntimeError") {
  const byKey = new Map();
  const seen = new Map();
  for (const r of mutantResults) {
    let key = resultKey(r);
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    if (n > 0) key += ` #${n + 1}`;
    byKey.set(key, r);
  }
  return drawn.map((m) => {
    const r = byKey.get(m.key);
    if (!r) return { ...m, status: missing, statusReason: "not in Stryker's results" };
    return {
      ...m, status: r.status, statusReason: r.statusReason, testsCompleted: r.testsCompleted,
      killedBy: r.killedBy, coveredBy: r.coveredBy?.length, static: r.static,
    };
  });
}

/**
 * The results each run into OUT wrote so far (the event-recorder's files in OUT/events and
 * OUT/events-N), one list per run, in the runs' order.
 */
function testedSoFar(out) {
  const run = (name) => Number(name.slice("events-".length) || 0);
  return readdirSync(out, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^events(-\d+)?$/.test(d.name))
    .sort((a, b) => run(a.name) - run(b.name))
    .map((d) => readdirSync(join(out, d.name)).filter((f) => f.endsWith("-onMutantTested.json")).map((f) => JSON.parse(readFileSync(join(out, d.name, f), "utf8"))));
}

/**
 * Each sampled mutant's result, a later run's replacing an earlier one's (--retry). A run's
 * "not in the sample" are the drawn mutants it was not asked to run (inside a range it ran): no
 * result of theirs.
 */
export function mergeRuns(drawn, runs) {
  const merged = drawn.map((m) => ({ ...m, status: "Pending" }));
  for (const results of runs) {
    matchResults(drawn, results, "Pending").forEach((r, i) => {
      if (r.status === "Pending" || (r.status === "Ignored" && r.statusReason === "not in the sample")) return;
      merged[i] = r;
    });
  }
  return merged;
}

/**
 * The sample's results from every run into OUT (a first run, then --resume and --retry runs): the
 * report in OUT when every sampled mutant has one; else the results so far in OUT/partial/, with
 * the bounds the pending ones leave. The mutants done first are not a random part of the sample
 * (Stryker reports compile errors and no coverage first, and fast mutants before slow ones): a
 * partial score is no estimate, only the bounds are.
 */
function collect(out, meta = JSON.parse(readFileSync(join(out, "sample.json"), "utf8")).meta) {
  const { drawn } = JSON.parse(readFileSync(join(out, "sample.json"), "utf8"));
  const results = mergeRuns(drawn, testedSoFar(out)).filter((r) => r.status !== "Pending");
  const done = results.length === drawn.length;
  process.stdout.write(`${done ? "complete" : "partial"}: ${results.length} of ${drawn.length} sampled mutants tested\n`);
  const target = done ? out : join(out, "partial");
  mkdirSync(target, { recursive: true });
  writeReport(target, done ? meta : { ...meta, partial: true, pending: drawn.length - results.length }, results);
  return { drawn, results };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    process.stderr.write(`mutate-sample: ${error.message}\n`);
    process.exitCode = 2;
  });
}
