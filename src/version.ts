// The program's version, from package.json: a module of its own at the bottom of the layers, so
// a command that writes it into a report does not import the program (cli.ts).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
export const VERSION: string = (require("../package.json") as { version: string }).version;
