#!/usr/bin/env node
// Load for `adtrace collect` (issue 22): SENDERS concurrent senders post TOTAL spans over loopback
// in OTLP protobuf requests of 1,000 spans, retrying 503s after Retry-After as the SDKs do, against
// a collector started here; prints JSON: acknowledged spans, wall seconds, spans/s, the
// collector's peak RSS (VmHWM) and its totals. Used by scripts/bench.mjs (BENCH_ONLY=collect).
//   node scripts/collect-load.mjs DB [TOTAL] [SENDERS]
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const [db, totalArg = "200000", sendersArg = "8"] = process.argv.slice(2);
const SENDERS = Number(sendersArg);
const PER_REQUEST = 1000;
const REQUESTS = Math.ceil(Number(totalArg) / PER_REQUEST / SENDERS);
const { otlpType } = await import(join(ROOT, "dist/ingest/formats/otlp-schema.js"));
const type = otlpType("ExportTraceServiceRequest");

const id = (bytes, value, tag) => {
  const b = Buffer.alloc(bytes);
  b.writeUInt32BE(value, bytes - 4);
  b.writeUInt32BE(tag, 0);
  return b;
};
const request = (s, r) => {
  const base = (s * REQUESTS + r) * PER_REQUEST;
  const spans = Array.from({ length: PER_REQUEST }, (_, i) => ({
    trace_id: id(16, s * 100000 + r, 0xad), span_id: id(8, base + i + 1, 0x5e), parent_span_id: i === 0 ? Buffer.alloc(0) : id(8, base + 1, 0x5e),
    name: i === 0 ? "adserver.request.handle" : "auction.rtb.run", kind: 2,
    start_time_unix_nano: "1714564800000000000", end_time_unix_nano: "1714564800002000000",
    attributes: [{ key: "sender", value: { int_value: s } }, { key: "cost.usd", value: { double_value: 0.0001 } }],
  }));
  return type.encode(type.fromObject({ resource_spans: [{ resource: { attributes: [{ key: "service.name", value: { string_value: `svc-${s}` } }] }, scope_spans: [{ spans }] }] })).finish();
};
// Bodies made before the clock starts: the senders only send.
const bodies = Array.from({ length: SENDERS }, (_, s) => Array.from({ length: REQUESTS }, (_, r) => request(s, r)));

const child = spawn(process.execPath, [join(ROOT, "bin/adtrace.js"), "collect", "--listen", "127.0.0.1:0", "--db", db, "--format", "json", "-q"], { stdio: ["ignore", "pipe", "pipe"] });
let stdout = "";
let stderr = "";
child.stdout.on("data", (d) => (stdout += d));
const url = await new Promise((res, rej) => {
  child.stderr.on("data", (d) => {
    stderr += d;
    const m = /listening on (\S+)/.exec(stderr);
    if (m) res(m[1]);
  });
  child.on("exit", () => rej(new Error(stderr)));
});
let peakMb = 0;
const poll = setInterval(() => {
  try {
    peakMb = Math.max(peakMb, Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1] ?? 0) / 1024);
  } catch {
    // exited between polls
  }
}, 100);
const start = performance.now();
let acknowledged = 0;
let retries = 0;
await Promise.all(bodies.map(async (list) => {
  for (const body of list) {
    for (let tries = 0; tries < 120; tries++) {
      const reply = await fetch(url, { method: "POST", body, headers: { "Content-Type": "application/x-protobuf" } });
      await reply.arrayBuffer();
      if (reply.status === 200) {
        acknowledged += PER_REQUEST;
        break;
      }
      retries++;
      await new Promise((r) => setTimeout(r, 1000 * Number(reply.headers.get("retry-after") ?? 1)));
    }
  }
}));
const wall = (performance.now() - start) / 1000;
child.kill("SIGTERM");
await new Promise((r) => child.on("close", r));
clearInterval(poll);
console.log(JSON.stringify({ senders: SENDERS, acknowledged, retries, wall, spansPerSec: acknowledged / wall, peakRssMb: peakMb, totals: JSON.parse(stdout || "{}") }));
