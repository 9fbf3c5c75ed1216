// `generate --billing-out DIR` (issue 23): the warehouses' view of the generated queries, as
// Snowflake (QUERY_ATTRIBUTION_HISTORY, snowflake.csv) and BigQuery (INFORMATION_SCHEMA.JOBS,
// bigquery.jsonl) exports, with what they should reconcile to. Per warehouse query span: half
// carry the query or job id as an attribute (snowflake.query_id, bigquery.job_id); most of the
// rest are found by the traceparent in the Snowflake QUERY_TAG or trace_id/span_id BigQuery job
// labels; a share lost their tag (no key: untraced spend, unless --match-by-time finds them).
// Snowflake attributes a query less than its warehouse size × time (idle time is not attributed);
// a share of BigQuery jobs are cache hits, billed 0 bytes. Every few hundred events a batch job
// with no span runs on each warehouse. Traces dropped by --sample-rate keep their bills: the bill
// is complete, so their spend is untraced. Its own random stream: spans are the same with or
// without it, but for the id attributes it adds.
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import type { SpanRecord } from "../ingest/span.js";
import { mulberry32 } from "../db/random.js";
import { DEFAULT_PRICE_BOOK } from "../model/defaults.js";
import { DEFAULT_SLOT_HOUR_USD } from "../model/billing.js";

/** The share of warehouse spans carrying the id as an attribute, and of those left, the share whose tag was lost. */
const ID_SHARE = 0.5;
const LOST_SHARE = 0.06;
/** Snowflake attributes this share of the size × time credits to the query (the rest is idle). */
const ATTRIBUTED_MIN = 0.8;
const ATTRIBUTED_SPAN = 0.15;
const CACHE_HIT_SHARE = 0.1;
/** A batch job with no span on each warehouse once per this many events. */
const BATCH_EVERY = 400;
const BATCH_CREDITS = 0.05;
const BATCH_SLOT_MS = 1_800_000;

export interface BillingSpan extends SpanRecord {
  usage: { snowflake?: { size: string; credits?: number }; bigqueryBytes?: number };
}

/** What the generated bill should reconcile to (built-in price book; slot-hour $0.06). */
export interface BillingTruth {
  dir: string;
  files: { snowflake: string; bigquery: string };
  records: { snowflake: number; bigquery: number };
  /** Every record's USD. */
  billed_usd: { snowflake: number; bigquery: number };
  /** Warehouse spans written (kept by sampling), and those a bill joins by id, by tag, and none (tag lost). */
  warehouse_spans: number;
  joined_by_id: number;
  joined_by_tag: number;
  lost_tags: number;
  join_rate: number;
  /** The joined spans' bills, per warehouse. */
  joined_billed_usd: { snowflake: number; bigquery: number };
  /** Bills no written span explains within the written spans' time range (reconcile's (untraced) rows). */
  untraced_billed_usd: { snowflake: number; bigquery: number };
  cache_hits: number;
  batch_jobs: number;
  /** Snowflake credits of the queries' size × time that QUERY_ATTRIBUTION_HISTORY does not attribute (idle). */
  idle_credits_unattributed: number;
}

type Wh = "snowflake" | "bigquery";

export class BillingOut {
  private readonly random: () => number;
  private readonly sf: WriteStream;
  private readonly bq: WriteStream;
  private n = 0;
  private events = 0;
  private readonly t: BillingTruth;
  /** Bills no written span joins: [start ns, end ns, usd, warehouse], for the time-range rule at the end. */
  private readonly open: [number, number, number, Wh][] = [];
  private lo = Infinity;
  private hi = -Infinity;

  constructor(dir: string, seed: number) {
    mkdirSync(dir, { recursive: true });
    this.random = mulberry32(seed ^ 0x0b111ed0);
    const files = { snowflake: join(dir, "snowflake.csv"), bigquery: join(dir, "bigquery.jsonl") };
    this.sf = createWriteStream(files.snowflake);
    this.bq = createWriteStream(files.bigquery);
    this.sf.write("QUERY_ID,QUERY_TAG,WAREHOUSE_NAME,START_TIME,END_TIME,CREDITS_ATTRIBUTED_COMPUTE,CREDITS_USED_QUERY_ACCELERATION,QUERY_TEXT\n");
    this.t = {
      dir, files, records: { snowflake: 0, bigquery: 0 }, billed_usd: { snowflake: 0, bigquery: 0 },
      warehouse_spans: 0, joined_by_id: 0, joined_by_tag: 0, lost_tags: 0, join_rate: 0,
      joined_billed_usd: { snowflake: 0, bigquery: 0 }, untraced_billed_usd: { snowflake: 0, bigquery: 0 },
      cache_hits: 0, batch_jobs: 0, idle_credits_unattributed: 0,
    };
  }

  /** One event's spans (before they are written): bills for its queries; id attributes on some spans. `kept`: written (not sampled out). */
  add(spans: BillingSpan[], kept: boolean): void {
    for (const span of spans) {
      const system = span.attributes["db.system"];
      if (system !== "snowflake" && system !== "bigquery") continue;
      const r = this.random();
      const key = r < ID_SHARE ? "id" : r < ID_SHARE + (1 - ID_SHARE) * (1 - LOST_SHARE) ? "tag" : "lost";
      const id = `${system === "snowflake" ? "01b" : "job_"}${(++this.n).toString(16).padStart(10, "0")}`;
      if (key === "id") span.attributes[system === "snowflake" ? "snowflake.query_id" : "bigquery.job_id"] = id;
      const start = span.startNs;
      const end = span.startNs + span.durationNs;
      const statement = span.attributes["db.statement"] ?? "";
      let usd: number;
      if (system === "snowflake") {
        const price = DEFAULT_PRICE_BOOK.warehouses!.snowflake!;
        const u = span.usage.snowflake!;
        const used = u.credits ?? (price.credits_per_hour![u.size]! * Number(span.durationNs)) / 3.6e12;
        const credits = Number((used * (ATTRIBUTED_MIN + ATTRIBUTED_SPAN * this.random())).toPrecision(9));
        this.t.idle_credits_unattributed += used - credits;
        const tag = key === "tag" ? JSON.stringify({ traceparent: `00-${span.traceId}-${span.spanId}-01`, app: "tracker" }) : JSON.stringify({ app: "tracker" });
        this.sf.write([id, csvCell(tag), "TRACKING_WH", time(start), time(end), String(credits), "", csvCell(statement)].join(",") + "\n");
        usd = credits * price.credit_usd!;
      } else {
        const hit = this.random() < CACHE_HIT_SHARE;
        if (hit) this.t.cache_hits++;
        const bytes = hit ? 0 : span.usage.bigqueryBytes!;
        const labels = key === "tag" ? [{ key: "trace_id", value: span.traceId }, { key: "span_id", value: span.spanId }] : [{ key: "app", value: "aggregator" }];
        this.bq.write(JSON.stringify({
          job_id: id, creation_time: time(start), start_time: time(start), end_time: time(end), labels, query: statement,
          total_bytes_billed: bytes, total_slot_ms: Math.round(Number(span.durationNs) / 1e6), cache_hit: hit, reservation_id: null, statement_type: "SELECT",
        }) + "\n");
        usd = (bytes / 2 ** 40) * DEFAULT_PRICE_BOOK.warehouses!.bigquery!.tib_usd!;
      }
      this.t.records[system]++;
      this.t.billed_usd[system] += usd;
      if (kept) {
        this.t.warehouse_spans++;
        if (key === "lost") this.t.lost_tags++;
        else this.t[key === "id" ? "joined_by_id" : "joined_by_tag"]++;
      }
      if (kept && key !== "lost") this.t.joined_billed_usd[system] += usd;
      else this.open.push([Number(start), Number(end), usd, system]);
    }
    if (kept) {
      for (const span of spans) {
        this.lo = Math.min(this.lo, Number(span.startNs));
        this.hi = Math.max(this.hi, Number(span.startNs + span.durationNs));
      }
    }
    if (this.events++ % BATCH_EVERY === BATCH_EVERY - 1) this.batch(spans[0]!.startNs);
  }

  /** A batch job with no span on each warehouse: a nightly Snowflake query, a BigQuery job in a reservation. */
  private batch(at: bigint): void {
    const end = at + 2_000_000_000n;
    const sfId = `01b${(++this.n).toString(16).padStart(10, "0")}`;
    this.sf.write([sfId, csvCell(JSON.stringify({ job: "nightly-rollup" })), "BATCH_WH", time(at), time(end), String(BATCH_CREDITS), "", "CALL rollup_daily()"].join(",") + "\n");
    const bqId = `job_${(++this.n).toString(16).padStart(10, "0")}`;
    this.bq.write(JSON.stringify({
      job_id: bqId, creation_time: time(at), start_time: time(at), end_time: time(end), labels: [{ key: "team", value: "batch" }], query: "CALL batch.rollup()",
      total_bytes_billed: 0, total_slot_ms: BATCH_SLOT_MS, cache_hit: false, reservation_id: "adtrace-demo:US.batch", statement_type: "SELECT",
    }) + "\n");
    const sfUsd = BATCH_CREDITS * DEFAULT_PRICE_BOOK.warehouses!.snowflake!.credit_usd!;
    const bqUsd = (BATCH_SLOT_MS / 3.6e6) * DEFAULT_SLOT_HOUR_USD;
    this.t.records.snowflake++;
    this.t.records.bigquery++;
    this.t.billed_usd.snowflake += sfUsd;
    this.t.billed_usd.bigquery += bqUsd;
    this.t.batch_jobs += 2;
    this.open.push([Number(at), Number(end), sfUsd, "snowflake"], [Number(at), Number(end), bqUsd, "bigquery"]);
  }

  async end(): Promise<BillingTruth> {
    for (const stream of [this.sf, this.bq]) {
      stream.end();
      await once(stream, "finish");
    }
    // reconcile's rule: bills no span explains count as untraced when they overlap the spans' time range.
    for (const [start, end, usd, system] of this.open) {
      if (start <= this.hi && end >= this.lo) this.t.untraced_billed_usd[system] += usd;
    }
    this.t.join_rate = this.t.warehouse_spans ? (this.t.joined_by_id + this.t.joined_by_tag) / this.t.warehouse_spans : 0;
    return this.t;
  }

  abort(): void {
    this.sf.destroy();
    this.bq.destroy();
  }
}

/** Snowflake's export form: '2024-06-01 00:00:00.123456 +0000' (µs). */
function time(ns: bigint): string {
  const iso = new Date(Number(ns / 1_000_000n)).toISOString();
  const micros = String((ns / 1000n) % 1_000_000n).padStart(6, "0");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${micros} +0000`;
}

function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
