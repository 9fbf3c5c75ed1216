// Many rows through one named `INSERT INTO t VALUES ($a, $b, …)` query in one statement: its
// tuple repeated once per row, each row's values bound to its own numbered parameters ($a_0,
// $a_1, …). Values are still bound, never SQL text. A session inserts the config's stage rules
// and price books this way: a statement costs about a millisecond of CPU whatever its size (the
// 28 built-in stage rules and 11 warehouse rows were 40 statements, about 40 ms a session).
import type { Db, Params } from "./db.js";
import { getQuery, QueryFileError } from "./queries.js";

const PLACEHOLDER = /\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Insert `rows` with the named query (one `INSERT … VALUES (…)` tuple of its declared parameters). */
export async function insertRows(db: Db, name: string, rows: readonly Params[]): Promise<void> {
  if (!rows.length) return;
  const query = getQuery(name);
  const match = /^([\s\S]*?\bVALUES\s*)(\([\s\S]*\))\s*;?\s*$/i.exec(query.sql);
  if (!match || match[2]!.includes(";")) throw new QueryFileError(`${query.where}: ${name} is not one INSERT … VALUES (…) statement`);
  const [, head, tuple] = match as unknown as [string, string, string];
  const params: Params = {};
  const tuples = rows.map((row, i) => {
    query.checkParams(row);
    for (const param of query.params) params[`${param}_${i}`] = row[param]!;
    return tuple.replace(PLACEHOLDER, (_, param: string) => `$${param}_${i}`);
  });
  await db.exec(`${head}${tuples.join(",\n")}`, params);
}
