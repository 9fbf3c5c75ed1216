// src/diagnostics.ts owns stderr (issue 15): no other module under src/ writes to it or draws on
// the terminal, and what it writes is one clean line per message, progress overwriting itself only
// on a terminal, notes and warnings silenced by --quiet, errors never.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import * as diagnostics from "../src/diagnostics.js";
import { ExitCode } from "../src/errors.js";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []);
}

/** A stream that keeps what is written, a terminal or not. */
function stream(isTTY: boolean): { write(text: string | Uint8Array): boolean; isTTY: boolean; text: string } {
  return { isTTY, text: "", write(text) { this.text += String(text); return true; } };
}

const realWrite = process.stderr.write;
afterEach(() => {
  process.stderr.write = realWrite;
});

/** What the calls in `fn` write to process.stderr. */
function captured(fn: () => void): string {
  let text = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = realWrite;
  }
  return text;
}

describe("diagnostics", () => {
  it("is the only module that writes to stderr or writes terminal escapes", () => {
    const writers = sourceFiles("src")
      .filter((file) => !file.endsWith("diagnostics.ts"))
      .filter((file) => /stderr\s*\.\s*write|\\u001b|\\x1b|\\e\[/.test(readFileSync(file, "utf8")))
      .map((file) => relative("src", file));
    expect(writers).toEqual([]);
  });

  it("a note or warning is one line, cleaned of control and format characters, and --quiet silences it", () => {
    expect(captured(() => diagnostics.note({}, "read a\u001b[31mb.json\nsecond line"))).toBe("adtrace: read a\uFFFD[31mb.json second line\n");
    expect(captured(() => diagnostics.warning({}, "x\u202Ey (3)"))).toBe("adtrace: warning: x\uFFFDy (3)\n");
    expect(captured(() => diagnostics.note({ quiet: true }, "hidden"))).toBe("");
    expect(captured(() => diagnostics.warning({ quiet: true }, "hidden"))).toBe("");
  });

  it("errors are never quiet, and a bug's message is one line unless --debug", () => {
    expect(captured(() => diagnostics.error("bad\rinput"))).toBe("adtrace: error: bad input\n");
    expect(captured(() => diagnostics.checkFailed("gate", ["cost +9%\u0007"]))).toBe("adtrace: check failed: gate\n  cost +9%\uFFFD\n");
    expect(captured(() => diagnostics.internalError("Binder Error\nLINE 1: ^", "STACK", false)))
      .toBe("adtrace: internal error: Binder Error (run again with --debug for details, and please report it)\n");
    expect(captured(() => diagnostics.internalError("Binder Error\nLINE 1: ^", "STACK", true))).toBe("adtrace: internal error: Binder Error\nLINE 1: ^\nSTACK\n");
    // Which named query failed, under --debug only (DuckDB's errors carry no stack of their own).
    expect(captured(() => diagnostics.internalError("Out of Memory Error", "STACK", true, "store.model_spans")))
      .toBe("adtrace: internal error: Out of Memory Error\nin the query store.model_spans (queries/store.sql)\nSTACK\n");
    expect(captured(() => diagnostics.internalError("Out of Memory Error", "STACK", false, "store.model_spans")))
      .toBe("adtrace: internal error: Out of Memory Error (run again with --debug for details, and please report it)\n");
  });

  it("a named query's failure carries the query's name, the error otherwise unchanged", async () => {
    const { Db } = await import("../src/db/db.js");
    const db = await Db.open();
    try {
      const failed = await db.query("cost.totals").then(() => undefined, (e: unknown) => e);
      expect(failed).toBeInstanceOf(Error);
      expect((failed as { queryName?: string }).queryName).toBe("cost.totals");
      expect((failed as Error).message).not.toContain("cost.totals");
      const ran = await db.run("cost.totals").then(() => undefined, (e: unknown) => e);
      expect((ran as { queryName?: string }).queryName).toBe("cost.totals");
    } finally {
      db.close();
    }
  });

  it("progress overwrites itself on a terminal and is a plain line elsewhere", () => {
    const tty = stream(true);
    diagnostics.progress("spans.jsonl 50%", tty);
    diagnostics.endProgress(tty);
    diagnostics.progress("1000 events…", tty);
    diagnostics.clearProgress(tty);
    expect(tty.text).toBe("\radtrace: spans.jsonl 50%\u001b[K\n\radtrace: 1000 events…\u001b[K\r\u001b[K");
    const pipe = stream(false);
    diagnostics.progress("spans\u001b.jsonl 50%", pipe);
    diagnostics.endProgress(pipe);
    diagnostics.clearProgress(pipe);
    expect(pipe.text).toBe("adtrace: spans\uFFFD.jsonl 50%\n");
  });

  it("exit codes are one table, 70 for a bug included", () => {
    expect(ExitCode).toEqual({ ok: 0, checkFailed: 1, badInput: 2, internalError: 70, interrupted: 130, terminated: 143 });
  });
});
