// Loads the named queries in queries/*.sql. Each query opens with `-- name: NAME`, then a
// one-line `-- ` doc comment, an optional `-- params: $a, $b` line, then SQL. Queries are keyed
// `file.name` (file without .sql). The loader fails loudly with file:line on a duplicate name, an
// empty query, a missing doc line, or a parameter used but not declared or declared but unused.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export interface NamedQuery {
  key: string;
  doc: string;
  sql: string;
  params: readonly string[];
  /** file:line of the `-- name:` header, for error messages. */
  where: string;
  checkParams(given: Record<string, unknown>): void;
}

export class QueryFileError extends Error {
  override name = "QueryFileError";
}

export const QUERIES_DIR = fileURLToPath(new URL("../../queries/", import.meta.url));

let cache: Map<string, NamedQuery> | undefined;

export function getQuery(key: string): NamedQuery {
  cache ??= loadQueries(QUERIES_DIR);
  const query = cache.get(key);
  if (!query) throw new QueryFileError(`no query named ${key} in ${QUERIES_DIR}`);
  return query;
}

/** The queries of one file (queries/AREA.sql), in file order. */
export function queriesIn(area: string): NamedQuery[] {
  cache ??= loadQueries(QUERIES_DIR);
  return [...cache.values()].filter((q) => q.key.startsWith(`${area}.`));
}

export function loadQueries(dir: string): Map<string, NamedQuery> {
  const queries = new Map<string, NamedQuery>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".sql")).sort()) {
    for (const query of parseQueryFile(join(dir, file), readFileSync(join(dir, file), "utf8"))) {
      const existing = queries.get(query.key);
      if (existing) throw new QueryFileError(`${query.where}: duplicate query name ${query.key} (first at ${existing.where})`);
      queries.set(query.key, query);
    }
  }
  return queries;
}

const NAME_RE = /^--\s*name:\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/;
const PARAMS_RE = /^--\s*params:\s*(.*)$/;

export function parseQueryFile(path: string, text: string): NamedQuery[] {
  const area = path.replace(/^.*[\\/]/, "").replace(/\.sql$/, "");
  const lines = text.split(/\r?\n/);
  const found: NamedQuery[] = [];
  let current: { name: string; line: number; doc?: string; params?: string[]; body: string[] } | undefined;
  const finish = () => {
    if (!current) return;
    const where = `${path}:${current.line}`;
    const sql = current.body.join("\n").trim();
    if (!current.doc) throw new QueryFileError(`${where}: query ${current.name} has no one-line doc comment after its name`);
    if (!sql) throw new QueryFileError(`${where}: query ${current.name} is empty`);
    const declared = current.params ?? [];
    const used = [...new Set(findParams(sql))];
    for (const name of used) {
      if (!declared.includes(name)) throw new QueryFileError(`${where}: query ${current.name} uses $${name} but does not declare it in '-- params:'`);
    }
    for (const name of declared) {
      if (!used.includes(name)) throw new QueryFileError(`${where}: query ${current.name} declares $${name} but never uses it`);
    }
    const key = `${area}.${current.name}`;
    found.push({
      key,
      doc: current.doc,
      sql,
      params: declared,
      where,
      checkParams(given) {
        const missing = declared.filter((p) => !(p in given));
        if (missing.length) throw new QueryFileError(`${key}: missing parameter(s) ${missing.map((m) => "$" + m).join(", ")}`);
      },
    });
  };
  lines.forEach((line, index) => {
    const name = NAME_RE.exec(line);
    if (name) {
      finish();
      current = { name: name[1]!, line: index + 1, body: [] };
      return;
    }
    if (!current) {
      if (line.trim() && !line.trim().startsWith("--")) throw new QueryFileError(`${path}:${index + 1}: SQL before the first '-- name:' header`);
      return;
    }
    if (current.body.length === 0) {
      const params = PARAMS_RE.exec(line);
      if (params) {
        current.params = params[1]!.split(/[,\s]+/).filter(Boolean).map((p) => p.replace(/^\$/, ""));
        return;
      }
      if (current.doc === undefined && /^--\s*\S/.test(line)) {
        current.doc = line.replace(/^--\s*/, "").trim();
        return;
      }
    }
    current.body.push(line);
  });
  finish();
  return found;
}

/**
 * `$name` placeholders (DuckDB) and `{name:Type}` ones (ClickHouse, queries/clickhouse.sql) outside
 * string literals, quoted identifiers and comments. One scan from the left, so whichever opens
 * first wins: an apostrophe inside a `--` comment starts no string, and `--` inside a string starts
 * no comment.
 */
function findParams(sql: string): string[] {
  const stripped = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\//g, " ");
  return [...stripped.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*):/g)].map((m) => (m[1] ?? m[2])!);
}
