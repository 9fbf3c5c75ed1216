// Another process holding a DuckDB file open, for the tests of what adtrace does beside it: opened
// read-write (it takes the file's lock) or read-only (others may read too). Ready when this
// returns; release() closes it and waits for the process to end.
import { spawn } from "node:child_process";
import { ROOT } from "./cli.js";

export async function holdDuckDb(path: string, mode: "READ_WRITE" | "READ_ONLY"): Promise<{ release(): Promise<void> }> {
  const holder = spawn(process.execPath, ["--input-type=module", "-e", `
    import { DuckDBInstance } from "@duckdb/node-api";
    const instance = await DuckDBInstance.create(process.argv[1], { access_mode: process.argv[2] });
    await instance.connect();
    console.log("ready");
    process.stdin.resume();
    process.stdin.on("end", () => process.exit(0));`, path, mode], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
  const release = async () => {
    holder.stdin!.end();
    await new Promise((r) => (holder.exitCode === null ? holder.on("exit", r) : r(null)));
  };
  try {
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
      holder.on("exit", (code) => reject(new Error(`the process holding ${path} exited early (${code})`)));
    });
  } catch (error) {
    await release();
    throw error;
  }
  return { release };
}
