// Writing the starter config file, refusing to overwrite one that exists.
import { writeFileSync } from "node:fs";
import { UsageError } from "../errors.js";
import { STARTER_CONFIG } from "./starter.js";

export function writeStarterConfig(path: string): void {
  try {
    writeFileSync(path, STARTER_CONFIG, { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new UsageError(`${path} already exists; not overwriting it`);
    throw new UsageError(`cannot write ${path}: ${(error as Error).message}`);
  }
}
