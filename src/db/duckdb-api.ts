// @duckdb/node-api, loaded with require() rather than import(). The package is CommonJS: Node's
// ESM loader reads it through cjs-module-lexer, which parses each of its ~60 files a second time
// to find their named exports; that cost about 200 ms of CPU at every start of the CLI (and of
// every test file that opens a database), twice what require() takes. Loaded on first use, so a
// command that never opens a database (--version, --help, generate) does not pay it at all.
import { createRequire } from "node:module";

export type DuckDBApi = typeof import("@duckdb/node-api");

let api: DuckDBApi | undefined;

/** The @duckdb/node-api module (loaded once, on first call). */
export function duckdbApi(): DuckDBApi {
  api ??= createRequire(import.meta.url)("@duckdb/node-api") as DuckDBApi;
  return api;
}
