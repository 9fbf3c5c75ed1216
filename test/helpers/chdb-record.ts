// What the chDB engine executes while a piece of code runs in this process (an in-process CLI run,
// test/helpers/in-process.ts, or an analysis): every statement a chDB Session binds and runs for
// rows (JSONEachRow), with the parameters as the engine is handed them and the engine's answer
// text. A pass-through: the real engine runs every statement and its answer goes back unchanged;
// the Session class is chdb's one (the CLI imports the same module), its method put back after.
// So a test records the statements of the very run whose output it checks, rather than running
// the engine a second time to learn them.

export interface ChdbExecuted {
  sql: string;
  /** The values passed for {name:Type}, as the caller passed them (chDB formats them for the engine). */
  params: Record<string, unknown>;
  /** The engine's JSONEachRow answer, as it returned it. */
  answer: string;
  /** With `{ explain: true }`: the lines of the engine's EXPLAIN QUERY TREE of the statement (the analyzed query, before planning). */
  treeLines?: number;
}

interface QueryResult {
  text(): string;
}
type BindAsync = (this: unknown, sql: string, params?: object, opts?: { format?: string }) => Promise<QueryResult>;

/**
 * Tree sizes already asked for in this process, by statement text and parameters: a tree depends
 * on nothing else (the same chDB version, the exporter's schema), and the commands of
 * test/clickhouse-plan.test.ts send some of the same statements (the summary, the flags, the sample).
 */
const treeLinesOf = new Map<string, number>();

/** Run `fn`, recording what every chDB session executes for rows meanwhile; `fn`'s result and the statements in order. */
export async function recordingChdb<T>(fn: () => Promise<T>, options: { explain?: boolean } = {}): Promise<{ result: T; executed: ChdbExecuted[] }> {
  const { Session } = (await import("chdb")) as unknown as { Session: { prototype: { queryBindAsync: BindAsync } } };
  const original = Session.prototype.queryBindAsync;
  const executed: ChdbExecuted[] = [];
  Session.prototype.queryBindAsync = async function (this: unknown, sql: string, params: object = {}, opts: { format?: string } = {}) {
    const result = await original.call(this, sql, params, opts);
    // The session's own SET statements (no format) are not rows.
    if (opts.format === "JSONEachRow") {
      const record: ChdbExecuted = { sql, params: { ...(params as Record<string, unknown>) }, answer: result.text() };
      // The same session and parameters, so the tree is the one the statement was analyzed into.
      if (options.explain) {
        const key = `${sql}\0${JSON.stringify(params, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))}`;
        let lines = treeLinesOf.get(key);
        if (lines === undefined) {
          lines = (await original.call(this, `EXPLAIN QUERY TREE ${sql}`, params, opts)).text().split("\n").filter((l) => l !== "").length;
          treeLinesOf.set(key, lines);
        }
        record.treeLines = lines;
      }
      executed.push(record);
    }
    return result;
  };
  try {
    return { result: await fn(), executed };
  } finally {
    Session.prototype.queryBindAsync = original;
  }
}
