// `cost trend` pushed down to ClickHouse (issue 17): the same TrendResult as analysis/trend.ts's
// trend(). What is an aggregate runs where the spans are (queries/clickhouse_trend.sql): the
// events' first and last start and the data's time resolution, then one row per bucket and group
// with its events, weighted cost, the bucket's events and the p95, exact; the baseline band and the
// drift are computed here from those rows by the same code as over files (trendGroups), so they
// cannot differ. At most buckets × groups rows come back, whatever the table holds.
import { InputError } from "../errors.js";
import { UsageError } from "../errors.js";
import { closest } from "../model/suggest.js";
import { modelQuery, summaryFromRow, summary, type ClickHouseSession } from "./clickhouse.js";
import { attributeKeysOf, groupId, keyName, keyParams, type GroupKey } from "./breakdown.js";
import { keysOf, planBuckets, trendGroups, trendWidths, type TrendCell, type TrendOptions, type TrendResult } from "./trend.js";

export async function clickhouseTrend(session: ClickHouseSession, options: TrendOptions): Promise<TrendResult> {
  const by = options.by ?? [];
  const { every, baseline } = trendWidths(options);
  const [span] = await modelQuery(session, "clickhouse_trend.span");
  if (!span || !Number(span.traces)) throw new InputError(session.source.label, "holds no spans in this range: nothing to analyse");
  const plan = planBuckets(every, { firstNs: BigInt(String(span.first_ns)), lastNs: BigInt(String(span.last_ns)), resolutionNs: BigInt(String(span.resolution_ns)) });
  const rows = await modelQuery(session, "clickhouse_trend.buckets", { every_ns: String(every), ...keyParams(by) });
  await assertAttributeGroupsFound(session, by, rows.map((r) => keysOf(r, by)));
  // Every row carries the whole input's figures; no row is no event in the range.
  const { totals, weights, pricing } = rows.length ? summaryFromRow(session, rows[0]) : await summary(session);
  const cells: TrendCell[] = rows.map((r) => ({
    bucketNs: BigInt(String(r.bucket_ns)), keys: keysOf(r, by), events: Number(r.events), costUsd: Number(r.cost_usd), bucketEvents: Number(r.bucket_events),
  }));
  const p95 = new Map(rows.map((r) => [`${String(r.bucket_ns)}|${groupId(keysOf(r, by))}`, r.p95_ms === null || r.p95_ms === undefined ? null : Number(r.p95_ms)]));
  const groups = trendGroups(cells, (bucket, id) => p95.get(`${bucket}|${id}`) ?? null, plan, baseline);
  return { every_ns: every, baseline_ns: baseline, by, groups, buckets: plan.buckets, totals, weights, pricing };
}

/**
 * A --by attr:KEY whose every group came out "(none)" names a key no span carries: the same usage
 * error as over files (assertAttributeKeysPresent), the keys read only then.
 */
async function assertAttributeGroupsFound(session: ClickHouseSession, by: GroupKey[], keys: Record<string, string>[]): Promise<void> {
  const empty = attributeKeysOf(by.filter((key) => key.kind === "attr" && keys.every((k) => k[keyName(key)] === "(none)")));
  if (!empty.length) return;
  const known = (await modelQuery(session, "clickhouse_trend.attribute_keys")).map((r) => String(r.key));
  for (const key of empty) {
    if (!known.includes(key)) {
      const hint = closest(key, known);
      throw new UsageError(`--by: no attribute '${key}' on these spans${hint ? ` (did you mean 'attr:${hint}'?)` : ""}`);
    }
  }
}
