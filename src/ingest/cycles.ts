// Spans in a parent cycle (A's parent is B, B's parent is A) or that are their own parent: they
// are neither roots nor orphans, and no root leads to them. They are kept and counted (the load
// result's and inspect's `cyclic`), never silently: the code that walks parents visits each span
// once, so they cannot hang it, but their trace has no proper root.
import type { Db } from "../db/db.js";

/**
 * How many spans lie on a parent cycle: among the traces a load touched (rows at or past
 * `base`), or among all spans. Spans merely below a cycle are not counted.
 */
export async function countCyclicSpans(db: Db, scope: { base: number } | "all"): Promise<number> {
  if (scope === "all") await db.run("inspect.cycle_scope_all");
  else await db.run("inspect.cycle_scope", { base: scope.base });
  let cyclic: number;
  try {
    cyclic = await countScoped(db, scope);
  } catch (error) {
    // The first error is the one to report (DuckDB out of memory, say): after it the transaction is
    // aborted and dropping the tables fails too, which hid it behind "Current transaction is aborted".
    await db.run("inspect.drop_cycle_tables").catch(() => undefined);
    throw error;
  }
  await db.run("inspect.drop_cycle_tables");
  return cyclic;
}

async function countScoped(db: Db, scope: { base: number } | "all"): Promise<number> {
  if (!Number((await db.query("inspect.cycle_candidates", { all: scope === "all" }))[0]!.n)) return 0;
  await db.run("inspect.stuck_spans", { all: scope === "all" });
  const stuck = Number((await db.query("inspect.stuck_count"))[0]!.n);
  if (stuck === 0) return 0;
  // Pointer doubling: after k jumps each ancestor is 2^k steps up. Once 2^k exceeds the number of
  // stuck spans it is past every chain leading into a cycle, so the ancestors are the cycles' spans.
  for (let steps = 1; steps <= stuck; steps *= 2) await db.run("inspect.stuck_jump");
  return Number((await db.query("inspect.cyclic_count"))[0]!.n);
}
