// A ClickHouse source (issue 17): `clickhouse://USER@HOST:8123/DATABASE` over HTTP, `clickhouses://`
// over HTTPS, or `chdb:PATH`, a ClickHouse data directory read in-process by chDB; with `--table`
// (default otel_traces, the OpenTelemetry Collector exporter's table), `--since`/`--until` on its
// Timestamp and `--timeout`. A pure function from the command line to a typed source: nothing
// connects here. The password comes from the URL or CLICKHOUSE_PASSWORD and is kept out of every
// label and message (`label` is what headers, notes and errors show).
import { UsageError } from "../errors.js";
import { parseMapOptions } from "./mapping.js";
import { parseTimeBound } from "./pull.js";

export const DEFAULT_CLICKHOUSE_TABLE = "otel_traces";

interface Common {
  /** Database and table as ClickHouse identifiers (bound as {db:Identifier}.{tbl:Identifier}, never SQL text). */
  database: string;
  table: string;
  /** Start of the time range, epoch ns, inclusive (Timestamp >= since). */
  sinceNs?: bigint;
  /** End of the time range, epoch ns, exclusive (Timestamp < until). */
  untilNs?: bigint;
  /** --timeout, in seconds. */
  timeoutSeconds?: number;
  /** --map canonical=column pairs, for a table with other columns than otel_traces (ingest/clickhouse-map.ts). */
  map?: Record<string, string>;
  /** What outputs show: the source without its password. */
  label: string;
}

export interface HttpClickHouseSource extends Common {
  kind: "http";
  /** https:// for clickhouses://. */
  url: string;
  username: string;
  /** Never printed. */
  password: string;
}

export interface ChdbSource extends Common {
  kind: "chdb";
  /** The ClickHouse data directory. */
  path: string;
}

export type ClickHouseSource = HttpClickHouseSource | ChdbSource;

export interface ClickHouseSourceOptions {
  table?: string;
  since?: string;
  until?: string;
  timeout?: string;
  map?: string[];
}

/** Whether an input names a ClickHouse source rather than a file. */
export function isClickHouseInput(input: string): boolean {
  return /^(clickhouses?:\/\/|chdb:)/i.test(input);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The source an analysis reads, from its inputs (one ClickHouse URL or chdb:PATH) and options;
 * `env` supplies CLICKHOUSE_PASSWORD. Throws UsageError (exit 2) on anything malformed, without
 * the password in the message.
 */
export function parseClickHouseSource(inputs: readonly string[], options: ClickHouseSourceOptions = {}, env: NodeJS.ProcessEnv = process.env, now = new Date()): ClickHouseSource {
  const spec = inputs.find(isClickHouseInput);
  if (spec === undefined) throw new UsageError("no ClickHouse source given (clickhouse://USER@HOST:8123/DATABASE, clickhouses://… or chdb:PATH)");
  if (inputs.length !== 1) throw new UsageError("a ClickHouse source is read alone: give one clickhouse://, clickhouses:// or chdb: source and no files");
  const tableText = options.table ?? DEFAULT_CLICKHOUSE_TABLE;
  const dot = tableText.indexOf(".");
  const tableDb = dot >= 0 ? tableText.slice(0, dot) : undefined;
  const table = dot >= 0 ? tableText.slice(dot + 1) : tableText;
  for (const part of [tableDb, table]) {
    if (part !== undefined && !IDENTIFIER.test(part)) throw new UsageError(`--table expects NAME or DATABASE.NAME (letters, digits, _), got '${tableText}'`);
  }
  const sinceNs = parseTimeBound(options.since, "--since", now);
  const untilNs = parseTimeBound(options.until, "--until", now);
  if (sinceNs !== undefined && untilNs !== undefined && untilNs <= sinceNs) throw new UsageError(`--until must be later than --since`);
  const timeoutSeconds = parseTimeout(options.timeout);
  const map = options.map?.length ? parseMapOptions(options.map) : undefined;
  const range = [options.since ? `since ${options.since}` : "", options.until ? `until ${options.until}` : ""].filter(Boolean).join(" ");

  if (/^chdb:/i.test(spec)) {
    const path = spec.slice(5);
    if (!path) throw new UsageError("chdb: expects a ClickHouse data directory, e.g. chdb:./clickhouse-data");
    const database = tableDb ?? "default";
    return { kind: "chdb", path, database, table, sinceNs, untilNs, timeoutSeconds, map, label: labelOf(`chdb:${path}`, database, table, range) };
  }

  const secure = /^clickhouses:/i.test(spec);
  let url: URL;
  try {
    url = new URL(spec.replace(/^clickhouses?:/i, secure ? "https:" : "http:"));
  } catch {
    throw new UsageError(`not a ClickHouse URL: '${redactUrlText(spec)}' (expected clickhouse://USER@HOST:8123/DATABASE)`);
  }
  if (!url.hostname) throw new UsageError(`a ClickHouse URL needs a host: '${redactUrlText(spec)}'`);
  if (url.search || url.hash) throw new UsageError(`a ClickHouse URL takes no query string or fragment: '${redactUrlText(spec)}' (use --table, --since, --until)`);
  const path = decodeURIComponent(url.pathname.replace(/^\//, "").replace(/\/$/, ""));
  if (path && !IDENTIFIER.test(path)) throw new UsageError(`a ClickHouse URL's path is one database name, got '${path}'`);
  if (tableDb && path && tableDb !== path) throw new UsageError(`--table ${tableText} names database ${tableDb}, the URL ${path}: give one`);
  const database = tableDb ?? (path || "default");
  const username = decodeURIComponent(url.username) || "default";
  const password = url.password ? decodeURIComponent(url.password) : env.CLICKHOUSE_PASSWORD ?? "";
  const port = url.port || (secure ? "8443" : "8123");
  const base = `${secure ? "https" : "http"}://${url.hostname.includes(":") ? `[${url.hostname.replace(/^\[|\]$/g, "")}]` : url.hostname}:${port}`;
  const shown = `${secure ? "clickhouses" : "clickhouse"}://${encodeURIComponent(username)}@${url.host.includes(":") || url.port ? url.host : `${url.host}:${port}`}/${database}`;
  return { kind: "http", url: base, username, password, database, table, sinceNs, untilNs, timeoutSeconds, map, label: labelOf(shown, database, table, range) };
}

function labelOf(where: string, database: string, table: string, range: string): string {
  return `${where} ${database}.${table}${range ? ` (${range})` : ""}`;
}

/** --timeout SECONDS: a number > 0. */
export function parseTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new UsageError(`--timeout expects seconds > 0, got '${text}'`);
  return seconds;
}

/** A URL as text with any password replaced, for messages about a URL that did not parse. */
function redactUrlText(text: string): string {
  return text.replace(/^([a-z]+:\/\/[^:@/]*):[^@/]*@/i, "$1:***@");
}
