// adtrace collect: receive spans over OTLP/HTTP and store them in a database file.
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { InputError, UsageError } from "../errors.js";
import { notice } from "../diagnostics.js";
import { globals, ingestNotes, note, parseByteSize, print } from "./shared.js";
import { formatCount } from "../output/units.js";

/** host:port, [v6]:port, or :port (loopback). */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new UsageError(`--listen expects HOST:PORT such as 127.0.0.1:4318 or [::1]:4318, got '${value}'`);
  return { host: match[1] ?? (match[2] || "127.0.0.1"), port };
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === "::1";
}

/** 2s, 500ms, 1m or a number of seconds. */
export function parseDurationMs(flag: string, value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/i.exec(value);
  const ms = match ? Number(match[1]) * ({ ms: 1, s: 1000, m: 60_000 }[(match[2] ?? "s").toLowerCase() as "ms" | "s" | "m"]) : NaN;
  if (!(ms >= 10) || !Number.isFinite(ms)) throw new UsageError(`${flag} expects a duration such as 2s, 500ms or 1m (at least 10ms), got '${value}'`);
  return Math.round(ms);
}

function parseCount(flag: string, value: string): number {
  if (!/^\s*\d+\s*$/.test(value) || Number(value) < 1) throw new UsageError(`${flag} expects a whole number ≥ 1, got '${value}'`);
  return Number(value);
}

function readPem(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new InputError(path, `cannot read ${flag} file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

interface CollectFlags {
  listen: string;
  maxBody: string;
  flushEvery: string;
  flushSpans: string;
  maxQueueSpans?: string;
  token?: string;
  insecureNoAuth?: boolean;
  tlsCert?: string;
  tlsKey?: string;
}

export function registerCollect(program: Command): void {
  program
    .command("collect")
    .description("receive spans over OTLP/HTTP (POST /v1/traces, protobuf or JSON, gzip) and store them in a database file until Ctrl-C")
    .option("--listen <host:port>", "address to listen on; anything but loopback needs --token or --insecure-no-auth", "127.0.0.1:4318")
    .option("--max-body <size>", "largest request body, before and after gzip (413 past it)", "16MiB")
    .option("--flush-every <duration>", "commit what has arrived at least this often (2s, 500ms, 1m); sooner when --flush-spans wait or arrivals pause for 25 ms", "2s")
    .option("--flush-spans <n>", "commit at once when this many spans wait", "50000")
    .option("--max-queue-spans <n>", "answer 503 with Retry-After while more spans than this wait for a commit (default: 2 × --flush-spans)")
    .option("--token <token>", "require 'Authorization: Bearer TOKEN' (also from ADTRACE_COLLECT_TOKEN)")
    .option("--insecure-no-auth", "allow a non-loopback --listen without a token")
    .option("--tls-cert <file>", "serve HTTPS with this PEM certificate (with --tls-key)")
    .option("--tls-key <file>", "the PEM private key for --tls-cert")
    .addHelpText("after", `
An OTLP/HTTP traces receiver, as in the OTLP specification: POST /v1/traces with
Content-Type application/x-protobuf or application/json, optionally Content-Encoding: gzip.
Spans are stored as \`adtrace load\` stores them (same table, same rules; a span already stored
is not stored twice). A request is answered 200 only after its spans are committed: what was
acknowledged survives even kill -9. Spans that cannot be stored (no valid ids, no start time)
are counted in the reply's partial_success. While too many spans wait, requests get 503 with
Retry-After, which the SDKs and the Collector retry. Ctrl-C or SIGTERM stops accepting,
commits everything accepted, prints the totals and exits 0. Progress every 10 s on stderr
unless --quiet.

Examples:
  $ adtrace collect --db pipeline.duckdb
  $ OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 node service.js      # the SDK sends here
  $ adtrace collect --listen 0.0.0.0:4318 --token "$TOKEN" --tls-cert cert.pem --tls-key key.pem --db spans.duckdb
  $ adtrace collect --flush-every 500ms --max-body 4MiB --db pipeline.duckdb`)
    .action(async (flags: CollectFlags, command: Command) => {
      const options = globals(command);
      const { host, port } = parseListen(flags.listen);
      const token = flags.token ?? (process.env.ADTRACE_COLLECT_TOKEN || undefined);
      if (token !== undefined && token.trim() === "") throw new UsageError("--token must not be empty");
      if (!isLoopback(host) && token === undefined && !flags.insecureNoAuth) {
        throw new UsageError(`--listen ${flags.listen} is not a loopback address: give --token TOKEN (or ADTRACE_COLLECT_TOKEN), or --insecure-no-auth to accept spans from anyone who can reach it`);
      }
      if (Boolean(flags.tlsCert) !== Boolean(flags.tlsKey)) throw new UsageError("--tls-cert and --tls-key go together");
      const tls = flags.tlsCert && flags.tlsKey ? { cert: readPem("--tls-cert", flags.tlsCert), key: readPem("--tls-key", flags.tlsKey) } : undefined;
      const flushSpans = parseCount("--flush-spans", flags.flushSpans);
      const { collectIntoDatabase } = await import("../ingest/collect-db.js");
      const { collectSummary } = await import("../output/collect-view.js");
      const result = await collectIntoDatabase({
        db: options.db, host, port, token, tls,
        maxBodyBytes: parseByteSize("--max-body", flags.maxBody)!,
        flushEveryMs: parseDurationMs("--flush-every", flags.flushEvery),
        flushSpans,
        maxQueueSpans: flags.maxQueueSpans === undefined ? 2 * flushSpans : parseCount("--max-queue-spans", flags.maxQueueSpans),
        // The address is printed even with --quiet: a run on port 0 is no use without it.
        onListening: (url) => notice(`collect: listening on ${url} (Ctrl-C to stop)`),
        onProgress: options.quiet ? undefined : ({ spansPerSecond, totals }) => note(options,
          `collect: ${formatCount(Math.round(spansPerSecond))} spans/s; ${formatCount(totals.spansReceived)} received, ${formatCount(totals.spansCommitted)} committed, ${formatCount(totals.rejected)} rejected, ${formatCount(totals.requests)} request${totals.requests === 1 ? "" : "s"}`),
      });
      ingestNotes(options, { warnings: result.totals.warnings, skippedExamples: result.totals.skippedExamples });
      await print(collectSummary(result), options);
    });
}
