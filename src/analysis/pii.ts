// `audit pii` (issue 20): where personal data flows. Every span attribute, resource attribute and
// statement is scanned inside DuckDB by the detectors of queries/pii.sql; what comes back is one
// row per service, span name, location, key and kind, with a redacted example. No detected value
// ever leaves DuckDB unmasked: rows carry only the mask (adtrace_pii_mask).
import type { Db } from "../db/db.js";
import { installDetectors, HARMLESS_KINDS, type PiiConfig, type PiiKind } from "../model/pii.js";

export interface PiiRow {
  service: string;
  span_name: string;
  /** attribute, resource or statement. */
  location: string;
  key: string;
  kind: PiiKind;
  /** Stored spans carrying it (not weighted by sampling). */
  spans: number;
  /** Of the spans of this service and name. */
  share_of_spans: number;
  /** Redacted: j***@e***.com, 203.0.x.x, **** **** **** 4242. */
  example: string;
}

export interface PiiResult {
  rows: PiiRow[];
  spans: number;
  fields: number;
  /** Kinds found (in precedence order), and those that are personal data (not ip_internal, not hashed). */
  kinds: PiiKind[];
  personal_kinds: PiiKind[];
  /** The --kinds filter, empty for all. */
  only: PiiKind[];
  /**
   * Set when only a sample of whole events was scanned (a ClickHouse source: the detectors run
   * locally on the events clickhouse-sample.ts brings back); every output says so.
   */
  scanned?: { events: number; of_events: number };
}

export interface AuditOptions {
  kinds?: PiiKind[];
}

/** Scan the session's `spans`; needs no cost model. */
export async function auditPii(db: Db, pii: PiiConfig, options: AuditOptions = {}): Promise<PiiResult> {
  await installDetectors(db, pii);
  await db.run("pii.source_spans");
  await db.run("pii.classify_keys");
  await db.run("pii.find", { scan_values: true, scan_statements: true });
  const only = options.kinds ?? [];
  const rows = (await db.query("pii.audit", { kinds: only })).map((r) => ({
    service: String(r.service),
    span_name: String(r.span_name),
    location: String(r.location),
    key: String(r.key),
    kind: String(r.kind) as PiiKind,
    spans: Number(r.spans),
    share_of_spans: Number(r.share_of_spans),
    example: String(r.example),
  }));
  const [counts] = await db.query("pii.counts");
  await db.run("pii.drop_stage");
  const { PII_KINDS } = await import("../model/pii.js");
  const found = new Set(rows.map((r) => r.kind));
  const kinds = PII_KINDS.filter((k) => found.has(k));
  return {
    rows, spans: Number(counts!.spans), fields: Number(counts!.fields), kinds,
    personal_kinds: kinds.filter((k) => !HARMLESS_KINDS.includes(k)), only,
  };
}
