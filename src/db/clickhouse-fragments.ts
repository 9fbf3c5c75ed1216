// Fragments of the ClickHouse SQL (queries/clickhouse_fragments.sql): each a named CTE written once
// and spliced into every statement that reads it by name, so one SQL idea (the range's rows, the
// group keys, the whole input's figures…) has one text. A fragment goes in just before the first of
// the statement's own CTEs (or its final SELECT) that names it, so it may read the CTEs the
// statement defines before that point (`kt`, for clickhouse_fragments.whole_input), costed_spans,
// and other fragments (spliced before it). Fragments are SQL text from the repo, never user values:
// those stay typed parameters ({name:Type}), which each fragment declares and the caller checks.
import { queriesIn, QueryFileError, type NamedQuery } from "./queries.js";

export const FRAGMENT_AREA = "clickhouse_fragments";

export interface Spliced {
  /** The statement's CTEs (`name AS (…)`) in order, with the fragments it reads among them. */
  ctes: string[];
  /** Its final query. */
  final: string;
  /** The fragments spliced in, in order (their parameters are the caller's to check). */
  fragments: NamedQuery[];
}

/** Text with comments and string literals (ClickHouse's: '' and backslash escapes) blanked, for finding names. */
function code(sql: string): string {
  return sql.replace(/'(?:[^'\\]|\\[\s\S]|'')*'|--[^\n]*|\/\*[\s\S]*?\*\//g, " ");
}

/** The fragments named in `sql` (as whole words outside comments and strings), in the order of `names`. */
function named(sql: string, names: readonly string[]): string[] {
  const words = new Set(code(sql).match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []);
  return names.filter((n) => words.has(n));
}

/** Index just past the parenthesis that closes the one opened at `open`, skipping strings, quoted names and comments. */
function closing(sql: string, open: number, where: string): number {
  let depth = 0;
  for (let i = open; i < sql.length; i++) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"' || ch === "`") {
      for (i++; i < sql.length && sql[i] !== ch; i++) if (sql[i] === "\\") i++;
      // A doubled quote ('') closes and reopens: the loop above goes on from the next one.
      continue;
    }
    if (ch === "-" && sql[i + 1] === "-") {
      i = sql.indexOf("\n", i);
      if (i < 0) break;
      continue;
    }
    if (ch === "/" && sql[i + 1] === "*") {
      i = sql.indexOf("*/", i + 2) + 1;
      if (i <= 0) break;
      continue;
    }
    if (ch === "(") depth++;
    else if (ch === ")" && --depth === 0) return i + 1;
  }
  throw new QueryFileError(`${where}: unbalanced parentheses`);
}

/** A statement `WITH a AS (…), b AS (…) SELECT …` as its CTEs' texts and its final query. */
function parts(sql: string, where: string): { ctes: { name: string; text: string }[]; final: string } {
  const head = /^\s*WITH\s+/i.exec(sql);
  if (!head) return { ctes: [], final: sql };
  const ctes: { name: string; text: string }[] = [];
  let at = head[0].length;
  const skip = /^(?:\s|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;
  for (;;) {
    at += skip.exec(sql.slice(at))![0].length;
    const cte = /^([A-Za-z_][A-Za-z0-9_]*)\s+AS\s*\(/i.exec(sql.slice(at));
    if (!cte) break;
    const end = closing(sql, at + cte[0].length - 1, where);
    ctes.push({ name: cte[1]!, text: sql.slice(at, end) });
    at = end;
    at += skip.exec(sql.slice(at))![0].length;
    if (sql[at] !== ",") break;
    at++;
  }
  return { ctes, final: sql.slice(at) };
}

/**
 * `sql` (a statement, with or without WITH) as the CTEs it defines, each fragment it reads spliced
 * in as a CTE, and its final query. `where` names the statement for errors; `fragments` (tests)
 * stands for queries/clickhouse_fragments.sql.
 */
export function spliceFragments(sql: string, where: string, fragments: readonly NamedQuery[] = queriesIn(FRAGMENT_AREA)): Spliced {
  const byName = new Map(fragments.map((f) => [f.key.slice(f.key.indexOf(".") + 1), f]));
  const names = [...byName.keys()];
  const { ctes, final } = parts(sql, where);
  for (const c of ctes) {
    if (byName.has(c.name)) throw new QueryFileError(`${where}: CTE ${c.name} has the name of the fragment at ${byName.get(c.name)!.where}`);
  }
  const placed: NamedQuery[] = [];
  const out: string[] = [];
  const place = (name: string, chain: string[]) => {
    const fragment = byName.get(name)!;
    if (placed.includes(fragment)) return;
    if (chain.includes(name)) throw new QueryFileError(`${fragment.where}: fragments read each other in a cycle (${[...chain, name].join(" → ")})`);
    for (const dep of named(fragment.sql, names)) if (dep !== name) place(dep, [...chain, name]);
    placed.push(fragment);
    out.push(`${name} AS (\n${fragment.sql}\n)`);
  };
  for (const c of ctes) {
    for (const name of named(c.text, names)) place(name, []);
    out.push(c.text);
  }
  for (const name of named(final, names)) place(name, []);
  return { ctes: out, final: final.trim(), fragments: placed };
}

/** The statement that `spliced` stands for, after the CTEs in `before` (the model, first). */
export function withCtes(before: readonly string[], spliced: Spliced): string {
  const ctes = [...before, ...spliced.ctes];
  return ctes.length ? `WITH\n${ctes.join(",\n")}\n${spliced.final}` : spliced.final;
}
