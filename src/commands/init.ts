// adtrace init: write a commented starter config, never over an existing one.
import type { Command } from "commander";
import { globals, note } from "./shared.js";

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("write a commented starter adtrace.config.yaml (never overwrites)")
    .argument("[file]", "where to write it", "adtrace.config.yaml")
    .addHelpText("after", `
Examples:
  $ adtrace init
  $ adtrace init configs/prod.yaml && adtrace cost breakdown spans.jsonl --config configs/prod.yaml`)
    .action(async (file: string, _opts: unknown, command: Command) => {
      const options = globals(command);
      const { writeStarterConfig } = await import("../model/init.js");
      writeStarterConfig(file);
      note(options, `wrote ${file}; every key is optional and shows the built-in default`);
    });
}
