// Re-timing one event (a trace) when some of its spans get shorter: what the savings latency
// model runs for every event and lever. The spans form a tree by parent id; a span is given its
// new duration (a cache hit: the hit latency, and its descendants do not run) and the work after
// it moves only through these dependencies, each of which keeps the gap it had:
//  - a child that started after some of its siblings had ended waits for all of them: it starts
//    its original delay after the last of them ends (as re-timed);
//  - a child that started before any sibling had ended keeps its offset from its parent's start;
//  - a parent waits for the children that ended at or before its own end: it ends its original
//    tail after the last of them (as re-timed); a childless or shortened span keeps (or takes)
//    its duration; children that outlive their parent move nothing but themselves.
// The event lasts from the earliest re-timed start to the latest re-timed end, so shortening a
// span that ran beside a longer one changes nothing, and shortening one that was critical can
// make another branch critical. With nothing shortened every span keeps its times exactly.
// Roots (no parent, a parent not in the trace, or itself as parent) keep their start; spans in a
// parent cycle, reachable from no root, keep their times. Each span is visited once, without
// recursion, so a deep or malformed trace neither loops nor overflows the stack. The tree itself
// (roots, children in start order, spans stranded by cycles) is built by critical-path.ts.
import { buildForest, type PathSpan, type SpanKey } from "../model/critical-path.js";

export type TimedSpan = PathSpan;

interface Node {
  span: TimedSpan;
  /** Children in start order (ties: shorter first, then by id), and the same children in end order. */
  byStart: Node[];
  byEnd: Node[];
  /** Latest end among the children that ended at or before this span's end (−∞ when none). */
  joinedEnd: number;
}

export class EventTimeline {
  private readonly roots: Node[] = [];
  /** Spans reachable from no root (parent cycles): they keep their times. */
  private readonly stranded: TimedSpan[] = [];
  readonly durationNs: number;

  constructor(spans: readonly TimedSpan[]) {
    // The tree is critical-path.ts's, so re-timing and the critical path read the same links.
    const forest = buildForest(spans);
    const nodes: Node[] = forest.nodes.map((t) => ({ span: t.span, byStart: [], byEnd: [], joinedEnd: -Infinity }));
    for (const t of forest.nodes) {
      const node = nodes[t.index]!;
      node.byStart = t.children.map((c) => nodes[c.index]!);
      node.byEnd = [...node.byStart].sort((a, b) => a.span.end - b.span.end);
      for (const child of node.byStart) if (child.span.end <= node.span.end) node.joinedEnd = Math.max(node.joinedEnd, child.span.end);
    }
    for (const t of [...forest.roots, ...forest.orphanRoots, ...forest.selfParented]) this.roots.push(nodes[t.index]!);
    for (const t of forest.stranded) this.stranded.push(t.span);
    this.durationNs = this.retime(new Map());
  }

  /**
   * The event's duration with the given spans shortened to the given durations (ns); a
   * shortened span's descendants do not run.
   */
  retime(shortened: ReadonlyMap<SpanKey, number>): number {
    let first = Infinity;
    let last = -Infinity;
    for (const span of this.stranded) {
      first = Math.min(first, span.start);
      last = Math.max(last, span.end);
    }
    const newEnd = new Map<Node, number>();
    // Frames of an explicit depth-first walk: a node with its re-timed start and progress through
    // its children (the next child in start order, and how far the end-ordered list is consumed).
    interface Frame { node: Node; start: number; next: number; endIdx: number; predEnd: number; predNewEnd: number }
    const open = (node: Node, start: number): Frame | undefined => {
      first = Math.min(first, start);
      const cut = shortened.get(node.span.id);
      const own = node.span.end - node.span.start;
      if (cut !== undefined || node.byStart.length === 0) {
        const end = start + (cut !== undefined ? Math.min(own, cut) : own);
        newEnd.set(node, end);
        last = Math.max(last, end);
        return undefined;
      }
      return { node, start, next: 0, endIdx: 0, predEnd: -Infinity, predNewEnd: -Infinity };
    };
    for (const root of this.roots) {
      const rootFrame = open(root, root.span.start);
      const stack: Frame[] = rootFrame ? [rootFrame] : [];
      while (stack.length) {
        const frame = stack[stack.length - 1]!;
        const { node } = frame;
        if (frame.next < node.byStart.length) {
          const child = node.byStart[frame.next++]!;
          // Siblings that ended at or before this child started. They started no later, so they
          // were re-timed already, except zero-length siblings at the same instant ordered after
          // it: the walk waits for those (it stops at the first one not yet re-timed).
          while (frame.endIdx < node.byEnd.length && node.byEnd[frame.endIdx]!.span.end <= child.span.start) {
            const pred = node.byEnd[frame.endIdx]!;
            const predNewEnd = newEnd.get(pred);
            if (predNewEnd === undefined) break;
            frame.endIdx++;
            frame.predEnd = Math.max(frame.predEnd, pred.span.end);
            frame.predNewEnd = Math.max(frame.predNewEnd, predNewEnd);
          }
          const start = frame.predEnd > -Infinity
            ? frame.predNewEnd + (child.span.start - frame.predEnd)
            : frame.start + (child.span.start - node.span.start);
          const childFrame = open(child, start);
          if (childFrame) stack.push(childFrame);
          continue;
        }
        stack.pop();
        let end: number;
        if (node.joinedEnd > -Infinity) {
          let joinedNewEnd = -Infinity;
          for (const child of node.byStart) if (child.span.end <= node.span.end) joinedNewEnd = Math.max(joinedNewEnd, newEnd.get(child)!);
          end = Math.max(frame.start, joinedNewEnd + (node.span.end - node.joinedEnd));
        } else end = frame.start + (node.span.end - node.span.start);
        newEnd.set(node, end);
        last = Math.max(last, end);
      }
    }
    return last > first ? last - first : 0;
  }
}

/**
 * An event's duration with nothing shortened (EventTimeline's durationNs) without building its
 * tree, from its spans' starts and durations at [from, to): the latest end less the earliest
 * start. That is what the re-timing gives when nothing is shortened, exactly, provided every
 * duration is ≥ 0, every time is an integer below 2^53 (sums and differences of such are exact
 * doubles) and no span id is given twice (the caller's to know: a repeated id keeps only its first
 * span in the tree). Then, by induction from the roots (which keep their start), each child
 * starts at its own start (its predecessors' re-timed ends are their own ends, so end + (start −
 * end) = start) and each span ends at its own end (a parent at max(start, end) = end when its
 * duration is ≥ 0), and spans on parent cycles keep their times. Undefined otherwise: build the
 * EventTimeline.
 */
export function unshortenedDurationNs(starts: readonly number[], durations: readonly number[], from: number, to: number): number | undefined {
  let first = Infinity;
  let last = -Infinity;
  for (let i = from; i < to; i++) {
    const start = starts[i]!;
    const duration = durations[i]!;
    const end = start + duration;
    if (!(duration >= 0) || !Number.isSafeInteger(start) || !Number.isSafeInteger(duration) || !Number.isSafeInteger(end)) return undefined;
    if (start < first) first = start;
    if (end > last) last = end;
  }
  return last > first ? last - first : 0;
}
