// The one place colour is decided: on only when the stream is a TTY and NO_COLOR is unset
// (https://no-color.org), or when FORCE_COLOR asks for it; FORCE_COLOR=0 (or false) turns it off
// as NO_COLOR does, as chalk and Node read it. --no-color sets NO_COLOR for the run's output.
import { Chalk, type ChalkInstance } from "chalk";

export function colorsFor(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): ChalkInstance {
  return new Chalk({ level: wantsColor(stream, env) ? 1 : 0 });
}

export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR === "0" || env.FORCE_COLOR === "false") return false;
  if (env.FORCE_COLOR !== undefined) return true;
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}
