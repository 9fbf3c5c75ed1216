// Running the core in-process on test spans: load, install the cost model, query.
import { Db } from "../../src/db/db.js";
import { loadInputs } from "../../src/ingest/load.js";
import { installModel, type ModelOptions } from "../../src/model/install.js";
import { defaultConfig, parseConfig, type Config } from "../../src/model/config.js";
import { otlpDocument, writeTemp, type TestSpan } from "./otlp.js";

export async function withModelDb<T>(
  spans: TestSpan[] | string[],
  fn: (db: Db) => Promise<T>,
  config: Config | string = defaultConfig(),
  model: ModelOptions = {},
): Promise<T> {
  const inputs = typeof spans[0] === "string" ? (spans as string[]) : [writeTemp("spans.json", otlpDocument(spans as TestSpan[]))];
  // On one DuckDB thread below SMALL_SESSION_ROWS spans, as a command's session over small files
  // runs (src/analysis/inputs.ts: expectSmall, then fitThreads): about a fifth less CPU (issue 25).
  const db = await Db.open({ expectSmall: true });
  try {
    await loadInputs(db, { inputs });
    await db.fitThreads(Number(await db.scalar("SELECT count(*) FROM spans")));
    await installModel(db, typeof config === "string" ? parseConfig(config, "test.yaml") : config, model);
    return await fn(db);
  } finally {
    db.close();
  }
}
