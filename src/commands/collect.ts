// adtrace collect: receive spans over OTLP/HTTP and store them in a database file.
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { InputError } from "../errors.js";
import { notice } from "../diagnostics.js";
import { globals, ingestNotes, note, print } from "./shared.js";
import type { CollectFlags } from "./collect-options.js";
import { formatCount } from "../output/units.js";

function readPem(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new InputError(path, `cannot read ${flag} file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
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
      const { collectOptions } = await import("./collect-options.js");
      const { tlsFiles, ...typed } = collectOptions(flags);
      const tls = tlsFiles ? { cert: readPem("--tls-cert", tlsFiles.cert), key: readPem("--tls-key", tlsFiles.key) } : undefined;
      const { collectIntoDatabase } = await import("../ingest/collect-db.js");
      const { collectSummary } = await import("../output/collect-view.js");
      const result = await collectIntoDatabase({
        db: options.db, ...typed, tls,
        // The address is printed even with --quiet: a run on port 0 is no use without it.
        onListening: (url) => notice(`collect: listening on ${url} (Ctrl-C to stop)`),
        onProgress: options.quiet ? undefined : ({ spansPerSecond, totals }) => note(options,
          `collect: ${formatCount(Math.round(spansPerSecond))} spans/s; ${formatCount(totals.spansReceived)} received, ${formatCount(totals.spansCommitted)} committed, ${formatCount(totals.rejected)} rejected, ${formatCount(totals.requests)} request${totals.requests === 1 ? "" : "s"}`),
      });
      ingestNotes(options, { warnings: result.totals.warnings, skippedExamples: result.totals.skippedExamples });
      await print(collectSummary(result), options);
    });
}
