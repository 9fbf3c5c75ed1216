// `cost outliers` pushed down to ClickHouse (issue 17): every event's metric, the weighted
// (1 − top) quantile that selects the top events, and per attribute key=value the selected and
// baseline weights, Σw² and Σw·metric are aggregates, answered by one statement
// (clickhouse_outliers.outliers) with the whole input's figures from clickhouse.summary; the
// id test, the z-tests, Benjamini–Hochberg and the order are outliers.ts's, over the same sums.
// Nothing is estimated from a sample: every event of the range is in every figure.
import { outliersFrom, outlierSettings, checkOutlierOptions, type OutliersOptions, type OutliersResult, type OutlierValueSums } from "./outliers.js";
import { modelQuery, summary, type ClickHouseSession } from "./clickhouse.js";

/** `cost outliers` over a ClickHouse source: the same result as outliers.ts's outliers(). */
export async function clickhouseOutliers(session: ClickHouseSession, options: OutliersOptions = {}): Promise<OutliersResult> {
  const { metric, stage, top, maxValues } = outlierSettings(options);
  const whole = await summary(session);
  const skip = await checkOutlierOptions(session.config, options, async () => whole.stages);
  const rows = await modelQuery(session, "clickhouse_outliers.outliers", {
    metric, stage, top, skip, keys: options.keys ?? [], max_values: maxValues,
  });
  const n = (x: unknown) => Number(x ?? 0);
  const groups = rows.filter((r) => Number(r.kind) === 0).map((r) => ({
    selected: Boolean(r.selected), w: n(r.w), w2: n(r.w2), wm: n(r.wm), max_metric: Number(r.max_metric),
  }));
  const valueRows = rows.filter((r) => Number(r.kind) === 2);
  // Each key's figures ride on each of its values' rows.
  const keyStats = [...new Map(valueRows.map((r) => [String(r.key), {
    key: String(r.key), events: n(r.key_events), n_values: n(r.n_values), unique_value_events: n(r.unique_value_events),
  }])).values()];
  const values: OutlierValueSums[] = valueRows.map((r) => ({
    key: String(r.key), value: String(r.value), selected_w: n(r.selected_w), baseline_w: n(r.baseline_w), wm: n(r.wm),
  }));
  return outliersFrom(session.config, options, {
    groups, keyStats,
    // Every key's values came back (at most max_values + 1 each): those of the kept keys.
    values: async (kept) => values.filter((v) => kept.includes(v.key)),
    attributeKeys: async () => (await modelQuery(session, "clickhouse_outliers.attribute_keys")).map((r) => String(r.key)),
    totals: whole.totals, weights: whole.weights, pricing: whole.pricing,
  });
}
