// `inspect` over a ClickHouse source (issue 17): the local inspect view, with the figures a table
// cannot give shown as "not computed" (machine formats: null) and a note saying why, never zero.
import type { InspectResult } from "../analysis/inspect.js";
import type { ClickHouseInspectResult } from "../analysis/clickhouse-inspect.js";
import type { TableResult } from "./result.js";
import { inspectView } from "./views.js";

const UNAVAILABLE = new Set(["duplicates", "conflicts", "skipped", "formats", "redaction"]);

export function clickhouseInspectView(result: ClickHouseInspectResult): TableResult {
  // The local view over placeholders, then every unavailable row put back to null.
  const placeholder: InspectResult = {
    ...result, duplicates: 0, conflicts: 0, skipped: 0, formats: [],
    redaction: { inputs: 0, redacted_inputs: 0, modes: null, detectors: null, key_ids: null },
  };
  const view = inspectView(placeholder);
  const rows = (view.rows as { key: string; label: string; value: unknown; shown: string }[]).map((row) =>
    UNAVAILABLE.has(row.key) ? { ...row, value: null, shown: "not computed (ClickHouse source)" } : row);
  return {
    ...view,
    rows: [{ key: "source", label: "source", value: result.source, shown: result.source }, ...rows],
    notes: [...result.not_computed.map((why) => `not computed: ${why}`), ...(view.notes ?? [])],
    json: { ...(view.json as Record<string, unknown>), duplicates: null, conflicts: null, skipped: null, formats: null, redaction: null, bad_values: null },
  };
}
