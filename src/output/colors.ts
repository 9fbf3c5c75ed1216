// The one place colour is decided: on only when the stream is a TTY and NO_COLOR is unset
// (https://no-color.org), or when FORCE_COLOR asks for it; FORCE_COLOR=0 (or false) turns it off
// as NO_COLOR does, as chalk and Node read it. --no-color sets NO_COLOR for the run's output.
// The program draws two styles, dim and bold (SGR 2 and 1, both ended by SGR 22), written here
// byte for byte as chalk 5 writes them at its level 1 (test/fixed-cost-lazy.test.ts compares):
// loading chalk, its style tables and its terminal probing, took ~35 ms of CPU a command.

/** What a renderer colours with. */
export interface Colors {
  /** 0: no colour; 1: basic ANSI, all this program draws (chalk's levels, which go to 3). */
  readonly level: number;
  dim(text: string): string;
  bold(text: string): string;
}

const END_INTENSITY = "\x1b[22m";

/**
 * One style as chalk applies it: an end code already in the text re-opens the style after it (a
 * dim cell inside a bold row stays bold), and each line is closed before its line break and
 * re-opened after it, so that a terminal never carries the style past the line.
 */
function styled(open: string): (text: string) => string {
  return (text) => {
    if (!text) return text;
    const inner = text.includes("\x1b") ? text.split(END_INTENSITY).join(END_INTENSITY + open) : text;
    return open + inner.replace(/\r?\n/g, (lineBreak) => END_INTENSITY + lineBreak + open) + END_INTENSITY;
  };
}

const unstyled = (text: string) => text;

/** No colour: every style gives the text back as it is. */
export const plainColors: Colors = { level: 0, dim: unstyled, bold: unstyled };

const ansiColors: Colors = { level: 1, dim: styled("\x1b[2m"), bold: styled("\x1b[1m") };

export function colorsFor(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): Colors {
  return wantsColor(stream, env) ? ansiColors : plainColors;
}

export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR === "0" || env.FORCE_COLOR === "false") return false;
  if (env.FORCE_COLOR !== undefined) return true;
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}
