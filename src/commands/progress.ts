// Progress lines for stderr: what is done, and when the total is known (a file's size, the events
// asked of generate) the percentage and an estimate of the time left, from the rate so far. On a
// terminal the line is redrawn in place; piped, a line every few seconds, so CI logs stay short.
// Nothing here is shown in the first second, so quick runs print no progress at all.
import { endProgress, progress, type DiagnosticStream } from "../diagnostics.js";
import { formatCount } from "../output/units.js";

/** "4s", "1m 05s", "2h 03m": the time left, rounded up to a whole second. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * ", 42%, ETA 1m 05s" for `done` of `total` after `elapsedSeconds`; "" when the total is unknown
 * (0) or nothing is done yet (no rate to project from).
 */
export function percentAndEta(done: number, total: number, elapsedSeconds: number): string {
  if (!(total > 0)) return "";
  const share = Math.min(1, done / total);
  const pct = `, ${Math.floor(share * 100)}%`;
  if (!(done > 0) || share >= 1) return pct;
  return `${pct}, ETA ${formatEta((elapsedSeconds * (total - done)) / done)}`;
}

export type ProgressStream = DiagnosticStream;

/**
 * A progress line writer: `update(line, finished)` shows `line` (without the "adtrace: " that
 * diagnostics puts first) once the run has taken a second
 * (on a terminal in place, piped every 5 seconds); `finished` ends a terminal's line.
 */
export function progressWriter(stream: ProgressStream, now: () => number = Date.now): { update(line: (elapsedSeconds: number) => string, finished?: boolean): void; restart(): void } {
  let started = now();
  let lastLine = 0;
  let open = false;
  return {
    restart() {
      started = now();
    },
    update(line, finished = false) {
      const t = now();
      const elapsed = (t - started) / 1000;
      if (elapsed < 1) return;
      if (!finished && !stream.isTTY && t - lastLine < 5000) return;
      if (!stream.isTTY && finished && !open) return; // piped and never shown: nothing to close
      lastLine = t;
      open = true;
      // src/diagnostics.ts draws it ("adtrace: " first; on a terminal in place).
      progress(line(elapsed), stream);
      if (stream.isTTY && finished) {
        endProgress(stream);
        open = false;
      }
    },
  };
}

/** generate's progress: events written of those asked for. */
export function eventProgress(total: number, stream: ProgressStream = process.stderr, now: () => number = Date.now): (events: number, finished?: boolean) => void {
  const writer = progressWriter(stream, now);
  return (events, finished = false) =>
    writer.update((elapsed) => `generate: ${formatCount(events)} of ${formatCount(total)} events${percentAndEta(events, total, elapsed)}`, finished);
}
