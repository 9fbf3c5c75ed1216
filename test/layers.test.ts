// The layers of src/ (issue 15): folders read bottom to top as the data flows, and imports only
// point down. This reads every import under src/ (static and dynamic, through the TypeScript
// compiler's own pre-processor) and fails on an import that points up the list below, or sideways
// into a folder of the same rank, and on any cycle between files.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * Bottom first. A file's layer is its folder under src/, or its own name for the files at the top
 * of src/. generate/ writes synthetic span files: it builds on db/ (random, atomic files), model/
 * (the default stages) and ingest/ (the span type, the spool), and only commands/ use it, so it
 * sits above ingest/ and below the analyses, which never need it.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ["errors.ts", "version.ts", "diagnostics.ts", "numbers.ts"],
  ["db"],
  ["model"],
  ["ingest"],
  ["generate"],
  ["analysis"],
  ["output"],
  ["commands"],
  ["cli.ts"],
  ["index.ts"],
];

const SRC = resolve("src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** src/-relative paths of the files `file` imports from src/. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((name) => name.startsWith("."))
    .map((name) => relative(SRC, resolve(dirname(file), name.replace(/\.js$/, ".ts"))));
}

function layerOf(path: string): { name: string; rank: number } {
  const name = path.split("/")[0]!;
  const rank = LAYERS.findIndex((names) => names.includes(name));
  return { name, rank };
}

export function importGraph(): Map<string, string[]> {
  return new Map(sourceFiles(SRC).map((file) => [relative(SRC, file), importsOf(file)]));
}

export function layerViolations(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  for (const [from, targets] of graph) {
    const a = layerOf(from);
    if (a.rank < 0) found.push(`${from}: in no layer (add its folder to LAYERS)`);
    for (const to of targets) {
      const b = layerOf(to);
      if (a.name === b.name) continue;
      if (b.rank >= a.rank) found.push(`${from} imports ${to}: ${b.name} is not below ${a.name}`);
    }
  }
  return found;
}

/** Every cycle's files in import order, found by depth-first search (one report per cycle's entry). */
export function importCycles(graph: Map<string, string[]>): string[] {
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next].join(" → "));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

describe("layers of src/", () => {
  const graph = importGraph();

  it("reads the imports (a smoke check that the reader sees them)", () => {
    expect(graph.get("index.ts")).toContain("cli.ts");
    expect(graph.size).toBeGreaterThan(50);
  });

  it("every import points down the layers", () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  it("no cycle between files", () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it("the checks see a violation and a cycle when there is one", () => {
    const bad = new Map(graph);
    bad.set("db/x.ts", ["analysis/y.ts"]);
    bad.set("analysis/y.ts", ["db/x.ts"]);
    expect(layerViolations(bad)).toContain("db/x.ts imports analysis/y.ts: analysis is not below db");
    expect(importCycles(bad)).toContain("analysis/y.ts → db/x.ts → analysis/y.ts");
  });
});
