// `npm run bench` part `clickhouse` (issue 17, BENCH_ONLY=clickhouse): generated spans (1× and 10×
// BENCH_CH_SPANS, default 1M, so 10M) in a chDB MergeTree otel_traces and in a DuckDB database
// file; cost breakdown by stage and by name through chDB (the pushed-down SQL, queries/clickhouse.sql)
// against the local --db path (the stored model), side by side, best of two each; and the rows and
// bytes the engine answered with, which must not grow with the spans. Past BENCH_CH_BASE spans
// (default 1M) the spans are generated once at that size and copied with fresh trace ids, in
// DuckDB for the local file and inside chDB for otel_traces (BENCH_CH_SPANS=10000000 BENCH_CH_FACTORS=1:
// 1M generated, ten copies), since generating or reading 10M spans from a file is the slow part.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { CANONICAL_TO_PARQUET, fillOtelTracesCopies } from "./chdb-otel.mjs";

/**
 * @param {{ ROOT: string, DIR: string, BIN: string, timed: Function, log: Function }} env
 */
export async function benchClickHouse({ ROOT, DIR, BIN, timed, log }) {
  const { Db } = await import(join(ROOT, "dist/db/db.js"));
  const wanted = Number(process.env.BENCH_CH_SPANS ?? 1_000_000);
  const spans = Math.min(wanted, Number(process.env.BENCH_CH_BASE ?? 1_000_000));
  const per = Math.max(1, Math.round(wanted / spans));
  const factors = (process.env.BENCH_CH_FACTORS ?? "1,10").split(",").map(Number);
  const base = join(DIR, `ch-spans-${spans}.parquet`);
  const baseOtel = join(DIR, `ch-spans-${spans}-otel.parquet`);
  if (!existsSync(base)) {
    log(`clickhouse: generating ~${spans} spans (price book, no explicit costs)…`);
    const r = spawnSync(process.execPath, [BIN, "generate", "--events", String(Math.round(spans / 9.13)), "--seed", "1", "--out", base, "-q"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
  }
  const out = [];
  for (const k of factors.map((f) => f * per)) {
    const loadBefore = loadavg()[0];
    const tag = `ch-x${k}-${spans}`;
    const parquet = join(DIR, `${tag}.parquet`);
    const dbFile = join(DIR, `${tag}.duckdb`);
    const chDir = join(DIR, `${tag}-chdb`);
    if (!existsSync(parquet)) {
      log(`clickhouse: ${k} copies with fresh trace ids…`);
      const db = await Db.open();
      try {
        await db.exec(
          `COPY (SELECT b.* REPLACE (printf('%02x', c.k) || substr(trace_id, 3) AS trace_id) FROM read_parquet($base) b, (SELECT range AS k FROM range($k)) c)
           TO $out (FORMAT parquet, COMPRESSION zstd)`,
          { base, k, out: parquet },
        );
      } finally {
        db.close();
      }
    }
    if (!existsSync(dbFile)) {
      log(`clickhouse: adtrace load ${tag} (stores the model)…`);
      const r = spawnSync(process.execPath, [BIN, "load", parquet, "--db", dbFile, "-q"], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(r.stderr);
    }
    let rows;
    let fill;
    if (!existsSync(chDir)) {
      if (!existsSync(baseOtel)) {
        const db = await Db.open();
        try {
          await db.exec("SET VARIABLE ch_bench_parquet = $p", { p: base });
          await db.exec("CREATE VIEW spans AS SELECT * FROM read_parquet(getvariable('ch_bench_parquet'))");
          await db.exec(CANONICAL_TO_PARQUET, { path: baseOtel });
        } finally {
          db.close();
        }
      }
      log(`clickhouse: chDB otel_traces ${tag} (${k} copies made in chDB)…`);
      const t = performance.now();
      const cpu0 = process.cpuUsage();
      rows = await fillOtelTracesCopies(chDir, baseOtel, k);
      const cpu = process.cpuUsage(cpu0);
      fill = { rows, wall: (performance.now() - t) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
      log(`clickhouse: ${rows} rows into chDB in ${fill.wall.toFixed(1)} s (${fill.cpu.toFixed(1)} CPU s)`);
    }
    const times = {};
    const answered = {};
    // Each command through chDB and over the local --db: breakdown by stage and by name, and flags
    // (which also brings back the bounded sample of whole events for its critical-path walk).
    const commands = (process.env.BENCH_CH_BY ?? "stage,name").split(",").map((by) => [`breakdown --by ${by}`, ["cost", "breakdown", "--by", by]]);
    if (process.env.BENCH_CH_FLAGS !== "0") commands.push(["flags", ["cost", "flags"]]);
    // savings --suggest (the flags statement, the summary, the interval sums and the sample once): BENCH_CH_SAVINGS=1.
    if (process.env.BENCH_CH_SAVINGS === "1") commands.push(["savings --suggest", ["savings", "--suggest"]]);
    for (const [by, args] of commands) {
      let ch = { wall: Infinity, cpu: Infinity, rssMb: 0 };
      let local = { wall: Infinity, cpu: Infinity, rssMb: 0 };
      const runs = Number(process.env.BENCH_CH_RUNS ?? 2);
      for (let run = 0; run < runs; run++) {
        log(`clickhouse: ${tag} ${by} (run ${run + 1} of ${runs})…`);
        const a = await timed(process.execPath, [BIN, ...args, `chdb:${chDir}`, "--format", "csv", "--debug"]);
        const b = await timed(process.execPath, [BIN, ...args, "--db", dbFile, "--format", "csv", "-q"]);
        const [, rows, bytes] = /clickhouse answered (\d+) rows, (\d+) bytes/.exec(a.stderr) ?? [];
        answered[by] = { rows: Number(rows), bytes: Number(bytes) };
        ch = { wall: Math.min(ch.wall, a.wall), cpu: Math.min(ch.cpu, a.cpu), rssMb: Math.max(ch.rssMb, a.rssMb) };
        local = { wall: Math.min(local.wall, b.wall), cpu: Math.min(local.cpu, b.cpu), rssMb: Math.max(local.rssMb, b.rssMb) };
      }
      times[by] = { ch, local };
      log(`clickhouse: ${tag} ${by}: ${JSON.stringify({ ...times[by], answered: answered[by], load: loadavg()[0] })}`);
    }
    const spansIn = Number(spawnSync(process.execPath, [BIN, "inspect", "--db", dbFile, "--format", "json"], { encoding: "utf8" }).stdout.match(/"spans":\s*(\d+)/)?.[1] ?? NaN);
    out.push({ k, spans: spansIn, answered, times, fill, load: [loadBefore, loadavg()[0]] });
    log(`clickhouse: ${JSON.stringify(out.at(-1))}`);
  }
  return out;
}

export function clickhouseSection(results, note) {
  if (!results) return [];
  const f = (x, d = 2) => x.toFixed(d);
  const n = (x) => x.toLocaleString("en-US");
  return [
    "## Past one machine: the cost model pushed down to ClickHouse (chDB)",
    "",
    ...(note ? [note, ""] : []),
    "| spans | command | chDB wall s | chDB CPU s | chDB peak RSS MB | local --db wall s | local CPU s | local peak RSS MB | rows answered | bytes answered | load average (1 min) before, after |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ...results.flatMap((r) => Object.keys(r.times).map((by) =>
      `| ${n(r.spans)} | ${by} | ${f(r.times[by].ch.wall)} | ${f(r.times[by].ch.cpu)} | ${f(r.times[by].ch.rssMb, 0)} | ${f(r.times[by].local.wall)} | ${f(r.times[by].local.cpu)} | ${f(r.times[by].local.rssMb, 0)} | ${r.answered[by].rows} | ${n(r.answered[by].bytes)} | ${r.load.map((x) => x.toFixed(1)).join(", ")} |`)),
    "",
    "Generated spans (`adtrace generate`, priced from the price book), copied with fresh trace ids, in a chDB MergeTree `otel_traces` (the Collector exporter's schema, ordered by service, span name and time) and in a DuckDB file written by `adtrace load` (the stored model). Each command is the built CLI under /usr/bin/time, best of BENCH_CH_RUNS runs (default two) for wall and CPU time (user + system, all threads), peak RSS the highest; rows and bytes answered are what the engine sent back over the whole command (the schema check, the summary row and one row per group, as JSON), which the command reports under --debug.",
    "",
    "What runs where: the engine (a ClickHouse server over HTTP, or chDB in-process) evaluates the whole cost model of queries/clickhouse.sql, stage rules, sampling weights, self time, prices, exact sums and quantiles, and answers one row per group (each carrying the whole input's figures); adtrace turns those rows into the same result and view as the local path. Only the answer crosses the network, so the bytes answered stay flat as the spans grow. What runs locally: `cost flags` (when a stage is flagged, for its critical-path walk) and `savings` (the latency re-timing) bring back a bounded sample of whole events, at most 20,000 (`--latency-sample`), chosen by a hash of the trace id's hex digits that is the same in both engines, into an in-memory DuckDB that runs the local code on it; that sample is spans, so it is tens of MB, but it does not grow past 20,000 events whatever the table holds. chDB here runs on the same machine, so its time is the engine's own; the local path reads a model stored at load time, the ClickHouse path computes it per query (nothing is stored in the user's ClickHouse).",
    "",
    "Why a Distributed table should need no change to the SQL text (not tested: no ClickHouse server or cluster can be installed on these machines, only chDB, one node in-process): the query names one table through a parameter, so a Distributed `otel_traces` is named the same way; every figure is a count, an exact quantile or an exact sum (values scaled and added as Int128, so the order in which shards and threads add partial sums does not change a digit); and the model joins no spans with other spans. A trace's spans are gathered by one `GROUP BY TraceId`, and the repeated rows, the parent of each span, its self time and the trace's weight are array functions over that one trace's rows; the other steps are `GROUP BY`s too. A `GROUP BY` over a Distributed table is a distributed aggregation (partial states on the shards, merged on the initiator), correct however the rows are sharded; with the table sharded by trace id, `optimize_distributed_group_by_sharding_key = 1` lets each shard finish its own traces: a setting, not a different query. Where the planner then evaluates each later step (on the shards or on the initiator), and how much the initiator holds, was not measured here.",
    "",
  ];
}
