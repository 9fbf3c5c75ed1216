// Part 8 of npm run bench (BENCH_ONLY=pii), issue 20's goals at BENCH_SPANS spans:
//   - `audit pii` at most 3× `cost breakdown`, on the same loaded database;
//   - `load --redact` at most 1.3× `load`, from the same OTLP JSON Lines file;
// and the same two on a PII-heavy copy of the spans (every span carries a user id and a client
// IP, one in ten an email and a phone, every warehouse span a statement with an email), where
// the detectors have work on every span rather than on almost none (the generator's spans carry
// no personal data). Each pair alternates, best of three (audit) or two (loads), wall and CPU.
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";

// Alternating rounds, each side keeping its best (BENCH_PII_ROUNDS=loads,audits; default 2,3).
const [LOAD_ROUNDS, AUDIT_ROUNDS] = (process.env.BENCH_PII_ROUNDS ?? "2,3").split(",").map(Number);

/** ctx: { DIR, SPANS, BIN, jsonl, baseParquet, adtraceSync, measure, log, Db } */
export async function benchPii(ctx) {
  const { DIR, SPANS, BIN, jsonl, baseParquet, adtraceSync, measure, log, Db } = ctx;
  // measure() passes the bench's environment on to the commands it runs.
  process.env.ADTRACE_REDACT_KEY = "bench-key";
  const timed = async (args) => {
    const run = await measure("/usr/bin/time", ["-f", "adtrace-cpu %U %S %M", process.execPath, BIN, ...args]);
    const [, user, system, kb] = /adtrace-cpu (\S+) (\S+) (\S+)/.exec(run.stderr) ?? [];
    return { wall: run.wall, cpu: Number(user) + Number(system), rssMb: Number(kb) / 1024 };
  };
  const keepBest = (best, r) => ({ wall: Math.min(best?.wall ?? Infinity, r.wall), cpu: Math.min(best?.cpu ?? Infinity, r.cpu), rssMb: Math.max(best?.rssMb ?? 0, r.rssMb) });

  // The PII-heavy copy: the same spans, with personal data added to their attributes.
  const heavy = join(DIR, `spans-pii-${SPANS}.parquet`);
  if (!existsSync(heavy)) {
    log("writing a PII-heavy copy of the spans…");
    const db = await Db.open();
    try {
      await db.exec(
        `COPY (
           SELECT b.* EXCLUDE (h) REPLACE (map_concat(b.attributes, map(
             ['user.id', 'client.address'] || CASE WHEN h % 10 = 0 THEN ['user.email', 'customer.phone'] ELSE [] END
               || CASE WHEN b.attributes['db.system'] IS NOT NULL THEN ['db.statement'] ELSE [] END,
             ['u-' || (h % 100000), '203.0.' || (h % 200) || '.' || (h % 250)]
               || CASE WHEN h % 10 = 0 THEN ['user' || (h % 5000) || '@example.com', '+44 20 7946 ' || lpad(CAST(h % 10000 AS VARCHAR), 4, '0')] ELSE [] END
               || CASE WHEN b.attributes['db.system'] IS NOT NULL THEN ['SELECT sum(x) FROM events WHERE email = ''user' || (h % 5000) || '@example.com'' AND day = ''2024-05-01'''] ELSE [] END
           )) AS attributes)
           FROM (SELECT *, hash(span_id) AS h FROM read_parquet($base)) b
         ) TO $out (FORMAT parquet, COMPRESSION zstd)`,
        { base: baseParquet, out: heavy },
      );
    } finally {
      db.close();
    }
  }

  const results = {};
  for (const [label, input] of [["generated (no personal data)", jsonl], ["PII-heavy", heavy]]) {
    const plainDb = join(DIR, `pii-plain-${SPANS}.duckdb`);
    const redactedDb = join(DIR, `pii-redacted-${SPANS}.duckdb`);
    let load;
    let redact;
    for (let round = 0; round < LOAD_ROUNDS; round++) {
      log(`${label}: load and load --redact (round ${round + 1} of ${LOAD_ROUNDS})…`);
      for (const file of [plainDb, `${plainDb}.wal`, redactedDb, `${redactedDb}.wal`]) rmSync(file, { force: true });
      load = keepBest(load, await timed(["load", input, "--db", plainDb, "-q", "--format", "csv"]));
      redact = keepBest(redact, await timed(["load", input, "--db", redactedDb, "--redact", "-q", "--format", "csv"]));
    }
    let audit;
    let breakdown;
    for (let round = 0; round < AUDIT_ROUNDS; round++) {
      log(`${label}: audit pii and cost breakdown (round ${round + 1} of ${AUDIT_ROUNDS})…`);
      audit = keepBest(audit, await timed(["audit", "pii", "--db", plainDb, "-q", "--format", "csv"]));
      breakdown = keepBest(breakdown, await timed(["cost", "breakdown", "--db", plainDb, "-q", "--format", "csv"]));
    }
    const spans = Number(JSON.parse(adtraceSync(["inspect", "--db", plainDb, "--format", "json"]).stdout).spans);
    const findings = adtraceSync(["audit", "pii", "--db", plainDb, "--format", "csv", "-q"]).stdout.trim().split("\n").length - 1;
    results[label] = { spans, findings, load, redact, audit, breakdown };
    for (const file of [plainDb, `${plainDb}.wal`, redactedDb, `${redactedDb}.wal`]) rmSync(file, { force: true });
  }
  return results;
}

export function piiSection(results, note = "") {
  const f = (x) => x.toFixed(2);
  const lines = [
    `## audit pii and load --redact (issue 20)`,
    "",
    "| data | spans | findings | `load` s (CPU) | `load --redact` s (CPU) | ratio | `cost breakdown` s (CPU) | `audit pii` s (CPU) | ratio |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const [label, r] of Object.entries(results)) {
    lines.push(`| ${label} | ${r.spans.toLocaleString("en-US")} | ${r.findings} | ${f(r.load.wall)} (${f(r.load.cpu)}) | ${f(r.redact.wall)} (${f(r.redact.cpu)}) | ${f(r.redact.wall / r.load.wall)}× | ${f(r.breakdown.wall)} (${f(r.breakdown.cpu)}) | ${f(r.audit.wall)} (${f(r.audit.cpu)}) | ${f(r.audit.wall / r.breakdown.wall)}× |`);
  }
  lines.push(
    "",
    "Goals (issue 20): `audit pii` at most 3× `cost breakdown` on the same database, `load --redact` at most 1.3× `load` of the same",
    `file; ratios of wall time, each side the best of alternating runs in the same bench run (loads: ${LOAD_ROUNDS}; audit and`,
    `breakdown: ${AUDIT_ROUNDS}). The generated spans are the OTLP JSON Lines of the ingest part and carry no personal data, so`,
    "the detectors' one combined pattern turns nearly every span away; the PII-heavy copy adds a user id and a client IP",
    "to every span, an email and a phone to one in ten and an email in a statement to every warehouse span, so every span",
    `is scanned closely and most are rewritten.${note ? ` ${note}` : ""}`,
    "",
  );
  return lines;
}
