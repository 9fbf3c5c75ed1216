// The ClickHouse engine beside DuckDB (issue 17): one interface, two connections speaking the same
// SQL text with the same typed parameters ({name:Type}, bound by the engine, never spliced in):
//   - HTTP(S) through the official @clickhouse/client, for a ClickHouse server or cluster;
//   - chDB, the ClickHouse engine in-process (npm chdb, an optional peer), over a data directory.
// Queries return JSON rows. Errors become one line (InputError, exit 2) naming the source, never
// its password: unreachable host, bad credentials, missing database or table, timeout.
import { existsSync } from "node:fs";
import { InputError, UsageError } from "../errors.js";

export type ChRow = Record<string, unknown>;

export interface ChResult {
  rows: ChRow[];
  /** Bytes of the engine's answer (the JSON text), for the bench: they must not grow with the spans. */
  bytes: number;
}

export interface ClickHouseEngine {
  readonly kind: "http" | "chdb";
  query(sql: string, params?: Record<string, unknown>): Promise<ChResult>;
  close(): Promise<void>;
}

export interface HttpConnection {
  url: string;
  username: string;
  password: string;
  database: string;
  timeoutSeconds?: number;
  /** For messages: the source without its password. */
  label: string;
}

export interface ChdbConnection {
  path: string;
  timeoutSeconds?: number;
  label: string;
}

/**
 * Settings every query runs with, over HTTP and in chDB: past 1 GiB an aggregation or a sort spills
 * to disk, by buckets of keys, rather than growing. The model gathers each trace's spans in one
 * aggregation by TraceId (queries/clickhouse.sql), whose state is every span; spilled, it is merged
 * back a bucket of traces at a time, so a query over 10M spans stays near the threshold where it
 * would otherwise hold them all (BENCHMARKS.md, "Past one machine"). A server's own
 * max_memory_usage still applies; this keeps the query under it rather than failing.
 */
export const SPILL_SETTINGS = {
  max_bytes_before_external_group_by: "1073741824",
  max_bytes_before_external_sort: "1073741824",
} as const;

/** What to run `npm install` with for a chdb: source (the engine is ~540 MB, so it is not a dependency). */
export const CHDB_PACKAGE = "chdb@3.4.0";

export async function openHttp(connection: HttpConnection): Promise<ClickHouseEngine> {
  const { createClient, ClickHouseLogLevel } = await import("@clickhouse/client");
  const timeoutMs = connection.timeoutSeconds !== undefined ? Math.ceil(connection.timeoutSeconds * 1000) : undefined;
  const client = createClient({
    url: connection.url,
    username: connection.username,
    password: connection.password,
    database: connection.database,
    // The server stops the query at --timeout; the client gives up a little later if it cannot.
    request_timeout: timeoutMs !== undefined ? timeoutMs + 2000 : 300_000,
    clickhouse_settings: {
      ...SPILL_SETTINGS,
      ...(timeoutMs !== undefined ? { max_execution_time: Math.max(1, Math.ceil(connection.timeoutSeconds!)) } : {}),
      // A long aggregate keeps the connection alive through load balancers' idle timeouts.
      send_progress_in_http_headers: 1,
      http_headers_progress_interval_ms: "10000",
    },
    application: "adtrace",
    // Only src/diagnostics.ts writes to stderr: the client's own log stays off, its errors are mapped below.
    log: { level: ClickHouseLogLevel.OFF },
  });
  return {
    kind: "http",
    async query(sql, params = {}) {
      try {
        const result = await client.query({ query: sql, query_params: params, format: "JSONEachRow" });
        const text = await result.text();
        // A failure after the headers went out (they go early: send_progress_in_http_headers) comes
        // as a 200 whose body ends in the exception; text() does not look for it, so this does.
        const tag = result.response_headers["x-clickhouse-exception-tag"];
        return { rows: parseRows(text, typeof tag === "string" ? tag : undefined), bytes: Buffer.byteLength(text) };
      } catch (error) {
        throw clickhouseError(error, connection);
      }
    },
    async close() {
      await client.close();
    },
  };
}

interface ChdbModule {
  Session: new (path?: string) => {
    queryBindAsync(sql: string, params: object, opts?: { format?: string; timeout?: number }): Promise<{ text(): string; bytes(): Uint8Array }>;
    close(): void;
  };
}

export async function openChdb(connection: ChdbConnection): Promise<ClickHouseEngine> {
  if (!existsSync(connection.path)) throw new InputError(connection.label, "no such ClickHouse data directory");
  let chdb: ChdbModule;
  try {
    chdb = (await import("chdb" as string)) as ChdbModule;
  } catch (error) {
    // Not installed: the install hint. Installed but failing to load (a native library that does
    // not fit this machine): the same hint, with why, so a reinstall is not a blind guess.
    const code = (error as { code?: unknown }).code;
    const missing = code === "ERR_MODULE_NOT_FOUND" && /'chdb'/.test(String((error as Error).message));
    const why = missing ? "" : ` (it is there but failed to load: ${String((error as Error).message ?? error).split("\n")[0]})`;
    throw new UsageError(`chdb: sources need the chdb package, the ClickHouse engine as a library (about 540 MB)${why}: npm install ${CHDB_PACKAGE}`, { cause: error });
  }
  let session: InstanceType<ChdbModule["Session"]>;
  try {
    session = new chdb.Session(connection.path);
  } catch (error) {
    throw clickhouseError(error, connection);
  }
  const timeout = connection.timeoutSeconds !== undefined ? Math.ceil(connection.timeoutSeconds * 1000) : undefined;
  try {
    // Our own constants, set once for the session (chDB keeps a session's settings).
    for (const [name, value] of Object.entries(SPILL_SETTINGS)) await session.queryBindAsync(`SET ${name} = ${value}`, {}, {});
  } catch (error) {
    session.close();
    throw clickhouseError(error, connection);
  }
  return {
    kind: "chdb",
    async query(sql, params = {}) {
      try {
        const result = await session.queryBindAsync(sql, params, { format: "JSONEachRow", timeout });
        const text = result.text();
        return { rows: parseRows(text), bytes: Buffer.byteLength(text) };
      } catch (error) {
        throw clickhouseError(error, connection);
      }
    },
    async close() {
      session.close();
    },
  };
}

/**
 * JSONEachRow text as rows. An exception the server wrote into the body after a 200 is thrown
 * as the server's message: ClickHouse 25.11 and later frame it with the response's
 * X-ClickHouse-Exception-Tag (`\r\n__exception__\r\nTAG\r\nMESSAGE\nLENGTH TAG\r\n__exception__\r\n`);
 * earlier versions append `Code: N. DB::Exception: …` as a line of its own. A row is a JSON object,
 * so any other line is such a message.
 */
export function parseRows(text: string, exceptionTag?: string): ChRow[] {
  if (exceptionTag !== undefined) {
    const opening = `\r\n__exception__\r\n${exceptionTag}\r\n`;
    const at = text.indexOf(opening);
    if (at >= 0) {
      const message = text.slice(at + opening.length).replace(new RegExp(`\\n\\d+ ${exceptionTag.replace(/[^A-Za-z0-9]/g, "\\$&")}\\r\\n__exception__\\r\\n$`), "");
      throw new Error(message.trim() || "the server reported an error in the middle of its answer");
    }
  }
  const rows: ChRow[] = [];
  let offset = 0;
  for (const line of text.split("\n")) {
    const at = offset;
    offset += line.length + 1;
    if (line.trim() === "") continue;
    let row: unknown;
    try {
      row = line.startsWith("{") ? JSON.parse(line) : undefined;
    } catch {
      // A row cut short by the message (written mid-row): the message is what to report.
    }
    if (row === undefined) {
      const rest = text.slice(at);
      const exception = /Code: \d+\. DB::Exception/.exec(rest);
      throw new Error(exception ? rest.slice(exception.index).trim() : `an answer that is not JSONEachRow: ${line.slice(0, 200)}`);
    }
    rows.push(row as ChRow);
  }
  return rows;
}

/** ClickHouse error codes that are the user's to fix (src/Common/ErrorCodes.cpp). */
const CODES: Record<string, string> = {
  "81": "no such database",
  "60": "no such table",
  "47": "a column the cost model reads is missing",
  "516": "authentication failed (check the user and CLICKHOUSE_PASSWORD)",
  "192": "authentication failed (unknown user; check the user and CLICKHOUSE_PASSWORD)",
  "193": "authentication failed (wrong password; check CLICKHOUSE_PASSWORD)",
  "194": "authentication failed (the user needs a password: set CLICKHOUSE_PASSWORD)",
  "159": "the query timed out (--timeout)",
  "497": "the user may not read this table (ACCESS_DENIED)",
};

/**
 * One line for any failure of a ClickHouse call, naming the source (`label`, no password) and
 * what to do; the password is scrubbed from whatever the server or the network said. An
 * InputError (exit 2); the original error is kept as the cause for --debug.
 */
export function clickhouseError(error: unknown, connection: { label: string; password?: string; timeoutSeconds?: number }): InputError {
  if (error instanceof InputError || error instanceof UsageError) return error as InputError;
  const e = error as { code?: unknown; message?: unknown; clickhouseCode?: unknown; name?: unknown; cause?: { code?: unknown } };
  const raw = String(e?.message ?? error);
  const code = String(e?.clickhouseCode ?? e?.code ?? e?.cause?.code ?? /Code: (\d+)/.exec(raw)?.[1] ?? "");
  let reason: string;
  if (code === "ECONNREFUSED") reason = "cannot connect (connection refused): is the server running, and is the port its HTTP port (8123, or 8443 for clickhouses://)?";
  else if (code === "ENOTFOUND" || code === "EAI_AGAIN") reason = "cannot connect: unknown host";
  else if (code === "EPROTO" && /wrong version number|packet length too long|http request/i.test(raw)) {
    reason = "TLS failed: the server answered in plain HTTP (clickhouses:// against a plain HTTP port? use clickhouse://, or the server's HTTPS port, 8443 by default)";
  } else if (code === "ECONNRESET" || code === "EPIPE") reason = "the connection was closed by the server (clickhouses:// against a plain HTTP port, or the reverse?)";
  else if (code === "ETIMEDOUT" || /timeout|timed out/i.test(raw) || e?.name === "ChdbTimeoutError" || code === "159") {
    reason = connection.timeoutSeconds !== undefined ? `the query timed out after ${connection.timeoutSeconds} s (--timeout)` : "the query timed out";
  } else if (/certificate|SSL|TLS/i.test(raw) && !/Code: \d+/.test(raw)) reason = `TLS failed: ${firstLine(raw)}`;
  else if (CODES[code]) reason = `${CODES[code]}: ${firstLine(raw)}`;
  else reason = firstLine(raw);
  return new InputError(connection.label, scrub(reason, connection.password), { cause: scrubbedCause(error, connection.password) });
}

/** OpenSSL's reason without its address and source position (`…:SSL routines:ssl3_get_record:wrong version number:../deps/…`). */
function tlsReason(raw: string): string {
  const openssl = /SSL routines:(?:[^:]*:)?([^:]+)/.exec(raw);
  return openssl ? openssl[1]!.trim() : firstLine(raw);
}

/**
 * The cause --debug prints under the one line: the same error, its message and stack with the
 * password replaced, so a server or proxy that echoes the credentials cannot put them on stderr.
 */
function scrubbedCause(error: unknown, password: string | undefined): unknown {
  if (!password || !(error instanceof Error)) return error;
  const text = `${error.message}\n${error.stack ?? ""}`;
  if (!text.includes(password)) return error;
  const copy = new Error(scrub(error.message, password));
  copy.name = error.name;
  copy.stack = scrub(error.stack ?? "", password);
  return copy;
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.replace(/^Code: \d+\. DB::Exception: /, "").replace(/\s*\(version [^)]*\)\s*$/, "").trim();
}

function scrub(text: string, password: string | undefined): string {
  return password ? text.split(password).join("***") : text;
}
