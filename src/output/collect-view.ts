// What `adtrace collect` prints when it stops: the totals of the run, one row.
import type { CollectDbResult } from "../ingest/collect-db.js";
import type { TableResult } from "./result.js";
import { formatCount } from "./units.js";

const plural = (n: number, noun: string) => `${formatCount(n)} ${noun}${n === 1 ? "" : "s"}`;

export function collectSummary(result: CollectDbResult): TableResult {
  const t = result.totals;
  const notes: string[] = [];
  if (t.duplicates) notes.push(`${formatCount(t.duplicates)} spans were already stored (a resent batch: same trace_id and span_id; the first copy is kept).`);
  if (t.rejected) notes.push(`${formatCount(t.rejected)} spans rejected (partial_success; the first named in the "skipped:" lines).`);
  if (t.throttled) notes.push(`${formatCount(t.throttled)} requests answered 503 (queue full or shutting down); senders retry them.`);
  return {
    heading: [`Stopped by ${result.signal || "request"}: committed ${plural(t.spansCommitted, "span")} in ${plural(t.commits, "commit")} into ${result.db} (now ${formatCount(result.totalSpans)}).`],
    columns: [
      { key: "requests", kind: "int" },
      { key: "spans_received", title: "received", kind: "int" },
      { key: "spans_added", title: "added", kind: "int" },
      { key: "duplicates", kind: "int" },
      { key: "rejected", kind: "int" },
      { key: "throttled", kind: "int" },
      { key: "refused", kind: "int" },
      { key: "commits", kind: "int" },
    ],
    rows: [{
      requests: t.requests, spans_received: t.spansReceived, spans_added: t.spansAdded, duplicates: t.duplicates, rejected: t.rejected,
      throttled: t.throttled, refused: t.refused, commits: t.commits,
    }],
    notes,
    json: {
      db: result.db, total_spans: result.totalSpans, signal: result.signal, requests: t.requests, spans_received: t.spansReceived,
      spans_committed: t.spansCommitted, spans_added: t.spansAdded, duplicates: t.duplicates, rejected: t.rejected, throttled: t.throttled,
      refused: t.refused, commits: t.commits,
    },
  };
}
