// adtrace collect: an OTLP/HTTP traces receiver (OTLP specification, "OTLP/HTTP") that stores
// what it receives in a DuckDB file through the same ingest as `adtrace load`. POST /v1/traces
// takes binary protobuf or JSON, gzipped or not. The contract is simple: a 200 is sent only once
// the request's spans are committed, so an acknowledged span is stored even if the process is
// killed right after. Requests are batched: spans wait for the next commit (every flushEveryMs,
// at once when flushSpans are waiting, or once no request has arrived for IDLE_MS: then every
// sender is waiting for its answer), one transaction for all requests in the batch; requests that
// arrive during a commit go into the next one, which starts when it ends. While
// more spans than maxQueueSpans wait, or too many bodies are being read, new requests get 503
// with Retry-After (the SDKs retry), so memory stays bounded whatever the send rate.
import { createHash, timingSafeEqual, type Hash } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { gunzip } from "node:zlib";
import type { Db } from "../../db/db.js";
import { InputError } from "../../errors.js";
import { notice } from "../../diagnostics.js";
import { isObject, recordContext, WrongShape } from "../adapter.js";
import { withLoadSession, type LoadResult } from "../load.js";
import { otlpResourceSpans, readOtlpRecord } from "../formats/otlp.js";
import { parseProtobufChunk } from "../formats/otlp-proto.js";
import { otlpType } from "../formats/otlp-schema.js";
import { mergeStats, newStats, quoteBigNumbers, withNumbersExact, type IngestStats, type SpanRecord } from "../span.js";
import { SpoolWriter } from "../spool.js";

export interface CollectOptions {
  host: string;
  port: number;
  /** The largest request body, before and after gzip is undone. */
  maxBodyBytes: number;
  flushEveryMs: number;
  flushSpans: number;
  /** Above this many spans waiting for a commit, requests get 503. */
  maxQueueSpans: number;
  /** Bearer token every request must carry (compared in constant time). */
  token?: string;
  tls?: { cert: Buffer; key: Buffer };
  /** Called once listening, with the endpoint's URL (the port resolved when 0 was asked for). */
  onListening?: (url: string) => void;
  onProgress?: (progress: CollectProgress) => void;
  progressEveryMs?: number;
  /** Resolves when the receiver should stop (a signal): stop accepting, commit, return. */
  stop: Promise<unknown>;
}

export interface CollectProgress {
  spansPerSecond: number;
  totals: CollectTotals;
}

export interface CollectTotals {
  requests: number;
  /** Spans decoded from accepted requests (waiting or committed). */
  spansReceived: number;
  /** Spans in committed batches. */
  spansCommitted: number;
  /** Committed spans that were new to the database. */
  spansAdded: number;
  /** Committed spans already stored (same trace_id and span_id): a resent batch. */
  duplicates: number;
  /** Spans refused in partial_success (no valid ids, no start…). */
  rejected: number;
  /** Requests answered 503 (queue full or shutting down). */
  throttled: number;
  /** Requests answered 4xx. */
  refused: number;
  commits: number;
  warnings: { message: string; count: number }[];
  skippedExamples: string[];
}

/** Concurrent request bodies read at once; past this, 503. */
const MAX_BODIES_IN_FLIGHT = 16;
const RETRY_AFTER_SECONDS = 1;
/** A pause in arrivals this long starts a commit of what is waiting. */
const IDLE_MS = 25;

// google.rpc.Code values used in Status replies.
const CODE = { invalidArgument: 3, notFound: 5, resourceExhausted: 8, unimplemented: 12, internal: 13, unavailable: 14, unauthenticated: 16 } as const;

type Encoding = "protobuf" | "json";

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

interface Batch {
  spans: SpanRecord[];
  waiters: Waiter[];
  bytes: number;
  rejected: number;
  hash: Hash;
}

function newBatch(): Batch {
  return { spans: [], waiters: [], bytes: 0, rejected: 0, hash: createHash("sha256") };
}

/** A request refused with a status and a google.rpc.Status message. */
class Refusal extends Error {
  constructor(readonly status: number, readonly code: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

/** Run the receiver on `db` until `options.stop` resolves; returns the totals once everything accepted is committed. */
export async function runCollector(db: Db, options: CollectOptions): Promise<CollectTotals> {
  const stats = newStats();
  const totals: CollectTotals = {
    requests: 0, spansReceived: 0, spansCommitted: 0, spansAdded: 0, duplicates: 0, rejected: 0, throttled: 0, refused: 0, commits: 0,
    warnings: [], skippedExamples: [],
  };
  const source = `otlp-http ${options.host}:${options.port}`;
  let pending = newBatch();
  let flushing: Promise<void> | undefined;
  let flushingSpans = 0;
  let bodiesInFlight = 0;
  let active = 0;
  let stopping = false;
  let failure: Error | undefined;
  let idle: (() => void) | undefined;

  const queued = () => pending.spans.length + flushingSpans;

  const commit = async (batch: Batch): Promise<void> => {
    const load: LoadResult = await withLoadSession(db, { countCyclic: false }, async (session) => {
      const writer = new SpoolWriter(session.spool.file());
      try {
        for (const span of batch.spans) writer.write(span);
      } finally {
        writer.close();
      }
      await db.run("spans.spool_macro");
      const [row] = await db.query("spans.stage_spool", { files: [writer.path], source });
      await session.record({
        source, format: "otlp-http", bytes: batch.bytes, sha256: batch.hash.digest("hex"), spansRead: Number(row?.Count ?? 0),
        spansAdded: 0, duplicates: 0, conflicts: 0, skipped: batch.rejected,
      });
    });
    totals.commits++;
    totals.spansCommitted += load.spansRead;
    totals.spansAdded += load.spansAdded;
    totals.duplicates += load.duplicates;
  };

  // A commit asked for while one runs: started as soon as it ends.
  let wanted = false;
  let idleTimer: NodeJS.Timeout | undefined;

  /** Start a commit of what is waiting, unless one is running (then the next starts when it ends). */
  const kick = () => {
    if (pending.waiters.length === 0) return;
    if (flushing) {
      wanted = true;
      return;
    }
    wanted = false;
    const batch = pending;
    pending = newBatch();
    flushingSpans = batch.spans.length;
    flushing = commit(batch).then(
      () => batch.waiters.forEach((w) => w.resolve()),
      (error: Error) => {
        failure ??= error;
        batch.waiters.forEach((w) => w.reject(error));
      },
    ).finally(() => {
      flushing = undefined;
      flushingSpans = 0;
      if (wanted || stopping || pending.spans.length >= options.flushSpans) kick();
      if (!flushing) idle?.();
    });
  };

  const enqueue = (spans: SpanRecord[], body: Buffer, rejected: number): Promise<void> => {
    if (spans.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      for (const span of spans) pending.spans.push(span);
      pending.waiters.push({ resolve, reject });
      pending.bytes += body.length;
      pending.rejected += rejected;
      pending.hash.update(body);
      clearTimeout(idleTimer);
      if (pending.spans.length >= options.flushSpans) kick();
      else idleTimer = setTimeout(kick, IDLE_MS);
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let encoding: Encoding = "json";
    try {
      const path = (req.url ?? "/").split("?")[0];
      if (path !== "/v1/traces") throw new Refusal(404, CODE.notFound, `no such endpoint: ${path} (OTLP/HTTP traces go to POST /v1/traces)`);
      if (req.method !== "POST") throw new Refusal(405, CODE.unimplemented, `method ${req.method} not allowed: POST /v1/traces`, { Allow: "POST" });
      const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
      if (type === "application/x-protobuf") encoding = "protobuf";
      else if (type !== "application/json") throw new Refusal(415, CODE.invalidArgument, `unsupported Content-Type '${type}': application/x-protobuf or application/json`);
      if (options.token !== undefined && !tokenMatches(req.headers.authorization, options.token)) {
        throw new Refusal(401, CODE.unauthenticated, "missing or wrong bearer token", { "WWW-Authenticate": "Bearer" });
      }
      const contentEncoding = (req.headers["content-encoding"] ?? "identity").trim().toLowerCase();
      if (contentEncoding !== "gzip" && contentEncoding !== "identity") throw new Refusal(415, CODE.invalidArgument, `unsupported Content-Encoding '${contentEncoding}': gzip or none`);
      if (stopping) throw busy("shutting down");
      if (queued() >= options.maxQueueSpans || bodiesInFlight >= MAX_BODIES_IN_FLIGHT) throw busy("too many spans waiting to be committed");
      const declared = Number(req.headers["content-length"] ?? 0);
      if (declared > options.maxBodyBytes) throw tooLarge(options.maxBodyBytes);
      let raw: Buffer;
      bodiesInFlight++;
      try {
        raw = await readBody(req, options.maxBodyBytes);
      } finally {
        bodiesInFlight--;
      }
      const body = contentEncoding === "gzip" ? await gunzipBounded(raw, options.maxBodyBytes) : raw;
      const requestStats = newStats();
      const spans = decode(body, encoding, requestStats);
      const rejected = requestStats.skipped;
      // A request that would take the queue past its bound waits its turn, unless the queue is empty.
      if (queued() > 0 && queued() + spans.length > options.maxQueueSpans) throw busy("too many spans waiting to be committed");
      totals.requests++;
      totals.spansReceived += spans.length;
      totals.rejected += rejected;
      mergeStats(stats, requestStats);
      await enqueue(spans, raw, rejected);
      const message = rejected > 0 ? `${rejected} span${rejected === 1 ? "" : "s"} rejected: ${requestStats.skippedExamples[0]?.replace(/^request[^:]*: /, "") ?? ""}` : "";
      reply(res, 200, encoding, successBody(encoding, rejected, message));
    } catch (error) {
      if (error instanceof Refusal) {
        if (error.status === 503) totals.throttled++;
        else totals.refused++;
        // A body over the limit is not read on: the connection closes after the reply. Any other
        // refused request's body is read and dropped, so the connection stays usable.
        const tooBig = error.status === 413;
        reply(res, error.status, encoding, statusBody(encoding, error.code, error.message), tooBig ? { ...error.headers, Connection: "close" } : error.headers);
        if (!tooBig) req.resume();
        return;
      }
      // Storing failed (the commit): nothing of this request is stored; the client may retry.
      notice(`collect: could not store a request's spans: ${(error as Error).message.split("\n")[0]}`);
      reply(res, 503, encoding, statusBody(encoding, CODE.unavailable, "could not store the spans; retry later"), { "Retry-After": String(RETRY_AFTER_SECONDS) });
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    active++;
    handle(req, res).finally(() => {
      active--;
      if (active === 0) idle?.();
    });
  };
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : createHttpServer(onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      const why = error.code === "EADDRINUSE" ? "the address is in use" : error.code === "EADDRNOTAVAIL" ? "no such local address" : error.code === "EACCES" ? "permission denied" : error.message;
      reject(new InputError(`${options.host}:${options.port}`, `cannot listen: ${why}`));
    });
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  options.onListening?.(`${options.tls ? "https" : "http"}://${host}:${address.port}/v1/traces`);

  const timer = setInterval(kick, options.flushEveryMs);
  let lastReceived = 0;
  let lastRequests = 0;
  let lastTime = Date.now();
  const progress = options.onProgress
    ? setInterval(() => {
      const now = Date.now();
      // Nothing new since the last report: say nothing (an idle receiver stays quiet).
      if (totals.requests + totals.refused + totals.throttled === lastRequests) return;
      options.onProgress!({ spansPerSecond: ((totals.spansReceived - lastReceived) * 1000) / Math.max(1, now - lastTime), totals });
      lastReceived = totals.spansReceived;
      lastRequests = totals.requests + totals.refused + totals.throttled;
      lastTime = now;
    }, options.progressEveryMs ?? 10_000)
    : undefined;

  await options.stop;
  stopping = true;
  // Stop accepting: no new connections; idle kept-alive ones close, busy ones finish their request.
  server.close();
  server.closeIdleConnections();
  const settled = () => active === 0 && !flushing && pending.waiters.length === 0;
  while (!settled()) {
    kick();
    await new Promise<void>((resolve) => {
      idle = resolve;
      // Re-check now and then: a request may be between reading and enqueueing.
      setTimeout(resolve, 50);
    });
    idle = undefined;
  }
  clearInterval(timer);
  clearTimeout(idleTimer);
  if (progress) clearInterval(progress);
  server.closeAllConnections();
  if (failure) throw failure;
  totals.warnings = [...stats.warnings].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([message, count]) => ({ message, count }));
  totals.skippedExamples = stats.skippedExamples;
  return totals;
}

function busy(why: string): Refusal {
  return new Refusal(503, CODE.unavailable, `${why}; retry later`, { "Retry-After": String(RETRY_AFTER_SECONDS) });
}

function tooLarge(max: number): Refusal {
  return new Refusal(413, CODE.resourceExhausted, `request body larger than ${max} bytes (--max-body)`);
}

/** Whether an Authorization header carries `Bearer TOKEN`, compared in constant time (digests of equal length). */
function tokenMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? "")?.[1] ?? "";
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(token).digest();
  return timingSafeEqual(a, b) && given.length > 0;
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners("data");
        req.pause();
        reject(tooLarge(max));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", (error) => reject(new Refusal(400, CODE.invalidArgument, `request body could not be read: ${error.message}`)));
  });
}

function gunzipBounded(raw: Buffer, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(raw, { maxOutputLength: max }, (error, out) => {
      if (!error) return resolve(out);
      if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || error instanceof RangeError) reject(tooLarge(max));
      else reject(new Refusal(400, CODE.invalidArgument, "body is not valid gzip data"));
    });
  });
}

/** The spans of one request body; a body that is not an OTLP request is a 400. */
function decode(body: Buffer, encoding: Encoding, stats: IngestStats): SpanRecord[] {
  const spans: SpanRecord[] = [];
  const emit = (span: SpanRecord) => spans.push(span);
  try {
    if (encoding === "protobuf") {
      parseProtobufChunk(body, 1, { source: "request" }, stats, emit);
      return spans;
    }
    let record: unknown;
    try {
      // Exact 64-bit numbers: times and intValues past 2^53 are quoted before parsing.
      record = JSON.parse(quoteBigNumbers(body.toString("utf8")));
    } catch (error) {
      throw new Refusal(400, CODE.invalidArgument, `body is not valid JSON (${(error as Error).message})`);
    }
    // An empty request ({}) is valid OTLP: nothing to store.
    if (isObject(record) && Object.keys(record).length === 0) return spans;
    if (!otlpResourceSpans(record)) throw new Refusal(400, CODE.invalidArgument, 'not an OTLP ExportTraceServiceRequest: expected {"resourceSpans":[…]}');
    const ctx = recordContext("request", stats, false, emit, (i) => `request:resource spans ${i + 1}`);
    withNumbersExact(true, () => readOtlpRecord(record, ctx));
    return spans;
  } catch (error) {
    if (error instanceof Refusal) throw error;
    if (error instanceof InputError || error instanceof WrongShape) throw new Refusal(400, CODE.invalidArgument, error.message);
    throw error;
  }
}

function successBody(encoding: Encoding, rejected: number, message: string): Buffer {
  if (encoding === "json") return Buffer.from(JSON.stringify(rejected > 0 ? { partialSuccess: { rejectedSpans: String(rejected), errorMessage: message } } : {}));
  const type = otlpType("ExportTraceServiceResponse");
  const value = rejected > 0 ? { partial_success: { rejected_spans: rejected, error_message: message } } : {};
  return Buffer.from(type.encode(type.fromObject(value)).finish());
}

function statusBody(encoding: Encoding, code: number, message: string): Buffer {
  if (encoding === "json") return Buffer.from(JSON.stringify({ code, message }));
  const type = otlpType("RpcStatus");
  return Buffer.from(type.encode(type.fromObject({ code, message })).finish());
}

function reply(res: ServerResponse, status: number, encoding: Encoding, body: Buffer, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { "Content-Type": encoding === "json" ? "application/json" : "application/x-protobuf", "Content-Length": String(body.length), ...headers });
  res.end(body);
}
