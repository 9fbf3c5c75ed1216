// adtrace collect under load (issue 22): 8 concurrent senders post 40,000 spans in protobuf
// requests of 1,000 over loopback, retrying 503s as the SDKs do. Every acknowledged span must be
// in the database, each once; sending the same spans again (a second run on the same database)
// adds none. No timing is asserted: the loops are bounded in count, the test in time.
// The claim is about concurrency, batching and duplicates, not volume: it was 200,000 spans (75–105 s
// on the shared 2-core machine, issue 25); with 5 requests per sender the 8 senders still overlap.
// --flush-spans 4000 keeps the batching in play at this volume (about 10 commits a run, each of
// several senders' requests, as the 50,000 default would not), and bounds the queue at 8,000
// spans, the 8 senders' requests in flight, so a slow commit answers 503 and the senders retry.
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { expect, it } from "vitest";
import { post, startCollector } from "./helpers/collector.js";
import { Db } from "../src/db/db.js";
import { otlpType } from "../src/ingest/formats/otlp-schema.js";

const SENDERS = 8;
const REQUESTS_PER_SENDER = 5;
const SPANS_PER_REQUEST = 1000;
const TOTAL = SENDERS * REQUESTS_PER_SENDER * SPANS_PER_REQUEST;
const MAX_TRIES = 60;

const dir = mkdtempSync(join(tmpdir(), "adtrace-collect-load-"));

function id(bytes: number, value: number, tag: number): Buffer {
  const b = Buffer.alloc(bytes);
  b.writeUInt32BE(value, bytes - 4);
  b.writeUInt32BE(tag, 0);
  return b;
}

/** Request `r` of sender `s`: one trace of 1,000 spans, a root and its children. */
function request(s: number, r: number): Uint8Array {
  const type = otlpType("ExportTraceServiceRequest");
  const traceId = id(16, s * 1000 + r, 0xad);
  const base = (s * REQUESTS_PER_SENDER + r) * SPANS_PER_REQUEST;
  const spans = Array.from({ length: SPANS_PER_REQUEST }, (_, i) => ({
    trace_id: traceId, span_id: id(8, base + i + 1, 0x5e), parent_span_id: i === 0 ? Buffer.alloc(0) : id(8, base + 1, 0x5e),
    name: i === 0 ? "adserver.request.handle" : "auction.rtb.run", kind: 2,
    start_time_unix_nano: "1714564800000000000", end_time_unix_nano: "1714564800002000000",
    attributes: [{ key: "sender", value: { int_value: s } }, { key: "cost.usd", value: { double_value: 0.0001 } }],
  }));
  return type.encode(type.fromObject({
    resource_spans: [{ resource: { attributes: [{ key: "service.name", value: { string_value: `svc-${s}` } }] }, scope_spans: [{ spans }] }],
  })).finish();
}

let bodies: Uint8Array[][] | undefined;

/** All senders at once (the same bodies each run); returns how many spans were acknowledged (200). */
async function sendAll(url: string): Promise<number> {
  bodies ??= Array.from({ length: SENDERS }, (_, s) => Array.from({ length: REQUESTS_PER_SENDER }, (_, r) => request(s, r)));
  let acknowledged = 0;
  await Promise.all(bodies.map(async (list) => {
    for (const body of list) {
      for (let tries = 1; ; tries++) {
        const reply = await post(url, body, { "Content-Type": "application/x-protobuf" });
        if (reply.status === 200) {
          acknowledged += SPANS_PER_REQUEST;
          break;
        }
        expect(reply.status).toBe(503);
        expect(tries).toBeLessThan(MAX_TRIES);
        await new Promise((resolve) => setTimeout(resolve, 1000 * Number(reply.headers.get("retry-after") ?? 1)));
      }
    }
  }));
  return acknowledged;
}

async function counts(db: string) {
  const handle = await Db.open({ path: db, readOnly: true });
  try {
    const [row] = await handle.all("SELECT count(*) AS n, count(DISTINCT (trace_id, span_id)) AS distinct_ids, count(DISTINCT trace_id) AS traces FROM spans");
    return { n: Number(row!.n), distinct: Number(row!.distinct_ids), traces: Number(row!.traces) };
  } finally {
    handle.close();
  }
}

it(`8 concurrent senders: every acknowledged span of ${TOTAL.toLocaleString("en-US")} stored once, and none again on a second run`, async () => {
  const db = join(dir, "load.duckdb");
  const first = await startCollector(["--db", db, "--format", "json", "--flush-spans", "4000"]);
  const acknowledged = await sendAll(first.url);
  const run1 = await first.stop("SIGTERM");
  expect(run1.code, run1.stderr).toBe(0);
  expect(acknowledged).toBe(TOTAL);
  expect(await counts(db)).toEqual({ n: TOTAL, distinct: TOTAL, traces: SENDERS * REQUESTS_PER_SENDER });
  expect(JSON.parse(run1.stdout)).toMatchObject({ spans_received: TOTAL, spans_added: TOTAL, duplicates: 0, rejected: 0 });

  const second = await startCollector(["--db", db, "--format", "json", "--flush-spans", "4000"]);
  expect(await sendAll(second.url)).toBe(TOTAL);
  const run2 = await second.stop("SIGINT");
  expect(run2.code, run2.stderr).toBe(0);
  expect(JSON.parse(run2.stdout)).toMatchObject({ spans_received: TOTAL, spans_added: 0, duplicates: TOTAL, total_spans: TOTAL });
  expect(await counts(db)).toEqual({ n: TOTAL, distinct: TOTAL, traces: SENDERS * REQUESTS_PER_SENDER });
}, 600_000);
