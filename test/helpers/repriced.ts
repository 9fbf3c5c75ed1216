// The bundled fixture with one span name's cost.usd replaced: a change whose effect on cost per
// event is known by hand (each of the 40 events has one span of each stage name).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURE, ROOT } from "./cli.js";

/** fixtures/auction/otlp.jsonl with every `name` span's cost.usd set to `cost`. */
export function repriced(name: string, cost: string): string {
  const lines = readFileSync(join(ROOT, FIXTURE, "otlp.jsonl"), "utf8").split("\n").filter(Boolean);
  return lines.map((line) => {
    const doc = JSON.parse(line);
    for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) for (const span of ss.spans) {
      if (span.name !== name) continue;
      const attr = span.attributes.find((a: { key: string }) => a.key === "cost.usd");
      attr.value = { stringValue: cost };
    }
    return JSON.stringify(doc);
  }).join("\n") + "\n";
}
