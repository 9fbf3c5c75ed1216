// src/cli.ts defines only the command being run; the others are stubs (issue 15: --help within
// 1.5× of `node -e 0`). What a person sees must not change: the help, the command list, the
// suggestions for a typo, and `help COMMAND`, compared here with the program that defines every
// command in full. In-process, no child and no DuckDB.
import { describe, expect, it } from "vitest";
import { Help, type Command } from "commander";
import { buildProgram, COMMANDS, StubReached } from "../src/cli.js";

/** stdout, stderr and the error (if any) of parsing `args` with the program buildProgram makes. */
async function parse(args: string[], full: boolean): Promise<{ stdout: string; stderr: string; error?: string }> {
  const argv = [process.execPath, "adtrace", ...args];
  const out: string[] = [];
  const err: string[] = [];
  const saved = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  let error: string | undefined;
  try {
    await (await buildProgram(argv, { full })).parseAsync(argv);
  } catch (e) {
    error = `${(e as Error).name}: ${(e as { code?: string }).code ?? ""}`;
  } finally {
    [process.stdout.write, process.stderr.write] = saved as [typeof process.stdout.write, typeof process.stderr.write];
  }
  return { stdout: out.join(""), stderr: err.join(""), error };
}

describe("lazy commands", () => {
  it("each stub carries the usage and description its command defines", async () => {
    const program = await buildProgram([], { full: true });
    const help = new Help();
    const real = program.commands.filter((c) => c.name() !== "help").map((c: Command) => ({ name: c.name(), term: help.subcommandTerm(c), description: c.description() }));
    expect(COMMANDS.map(({ name, term, description }) => ({ name, term, description }))).toEqual(real);
  });

  it.each([["--help"], ["help"], ["help", "cost"], ["cost", "--help"], ["--db", "x.duckdb", "help", "load"], ["lod"], ["cost", "breakdwon"], ["--version"]])(
    "adtrace %s reads as with every command defined",
    async (...args: string[]) => {
      const lazy = await parse(args, false);
      expect(lazy).toEqual(await parse(args, true));
      expect(lazy.stdout + lazy.stderr).not.toBe("");
    },
  );

  it("a stub that runs says so (src/index.ts then defines every command and parses again)", async () => {
    const program = await buildProgram([process.execPath, "adtrace"]);
    await expect(program.parseAsync([process.execPath, "adtrace", "init", "x.yaml"])).rejects.toBeInstanceOf(StubReached);
  });
});
