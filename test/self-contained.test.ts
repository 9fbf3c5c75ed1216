// A clone of the repository alone must install and pass its tests: no test, script or source
// file may name a path outside the repository. Every relative path literal is resolved from
// the file that holds it and must stay inside the repository root.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "..");
const FOLDERS = ["src", "test", "scripts", "bin", ".ci"];

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else if (/\.(ts|mts|js|mjs|cjs|sh)$|^run$/.test(entry)) out.push(path);
  }
  return out;
}

describe("self-contained", () => {
  it("no source, test or script names a path outside the repository", () => {
    const outside: string[] = [];
    for (const folder of FOLDERS) {
      for (const file of filesUnder(join(ROOT, folder))) {
        const text = readFileSync(file, "utf8");
        for (const match of text.matchAll(/["'`]((?:\.\.\/)+[^"'`\s]*)["'`]/g)) {
          const target = resolve(dirname(file), match[1]!);
          if (relative(ROOT, target).startsWith("..")) outside.push(`${relative(ROOT, file)}: ${match[1]}`);
        }
        // Absolute paths of the machines this was written on.
        for (const match of text.matchAll(/["'`](\/work\/[^"'`]*|[^"'`]*shared\/samples[^"'`]*)["'`]/g)) outside.push(`${relative(ROOT, file)}: ${match[1]}`);
      }
    }
    expect(outside).toEqual([]);
  });

  it("the real exports the tests read are in the repository, with their provenance", () => {
    const readme = readFileSync(join(ROOT, "fixtures/external/README.md"), "utf8").replace(/\s+/g, " ");
    const files = readdirSync(join(ROOT, "fixtures/external")).filter((f) => f.endsWith(".json"));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) expect(readme, file).toContain(`\`${file}\``);
    expect(readme).toContain("Apache License, Version 2.0");
  });
});
