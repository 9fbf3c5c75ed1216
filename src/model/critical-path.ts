// One event's span tree and its critical path: the chain of work that sets the event's latency.
// The tree (buildForest) is shared with savings' re-timing (retime.ts); the walk is what
// `adtrace trace` and `adtrace cost critical-path` report and what `cost flags` and
// `savings --suggest --optimize latency` read.
//
// The walk (README, "The critical path"). Every span is first clipped to its parent's clipped
// interval: a child that outlives its parent (async work, follows-from) counts only up to the
// parent's end, and one that starts before it only from its start. Then, from the root's end:
//   at span P with the current point t (first P's end), the critical child is the child whose
//   clipped end is ≤ t and latest; ties on equal ends go to the earlier clipped start (the longer
//   child), then to the smaller span id (plain string order). P's own time [child end, t] is
//   critical; the walk descends into the child over [child start, child end] and then continues
//   in P from t = the child's start. With no such child left, [P's start, t] is P's own.
// Children that ended after t (overlapping a later critical sibling) are not critical, whatever
// their length: the rule is "ends last before the point", not "the longest child". Children whose
// clipped interval is empty take no time and are skipped. Each span's critical time is the part
// of its own time (not its children's) on the path, so the spans' critical times add up to the
// root's duration exactly. A span is on the path when the walk entered it.
//
// The root is the span without a parent (several: the earliest start, then the latest end, then
// the smaller id); the other parentless spans and their sub-trees are "extra roots". Spans whose
// parent is not in the trace head orphan sub-trees; spans that are their own parent, or on or
// below a parent cycle, are cyclic. All three are excluded from the path and counted, never walked
// into. A trace without a parentless span has no path. Nothing recurses: deep trees are safe.

/** A span id: the trace's own (text), or a number standing for it in the same order. */
export type SpanKey = string | number;

export interface PathSpan {
  id: SpanKey;
  parent: SpanKey | null;
  /** Nanoseconds from any common origin. */
  start: number;
  end: number;
}

export interface TreeNode<T extends PathSpan = PathSpan> {
  span: T;
  /** Position in SpanForest.nodes. */
  index: number;
  /** In start order; ties: shorter first, then by id. */
  children: TreeNode<T>[];
}

export interface SpanForest<T extends PathSpan = PathSpan> {
  /** One node per distinct span id (the first span given with an id wins), in input order. */
  nodes: TreeNode<T>[];
  byId: Map<SpanKey, TreeNode<T>>;
  /** Spans without a parent. */
  roots: TreeNode<T>[];
  /** Spans whose parent is not in the trace. */
  orphanRoots: TreeNode<T>[];
  /** Spans that are their own parent. */
  selfParented: TreeNode<T>[];
  /** Spans reachable from none of the above: on or below a parent cycle. */
  stranded: TreeNode<T>[];
}

const byIdOrder = (a: SpanKey, b: SpanKey) => (a < b ? -1 : a > b ? 1 : 0);

/** The parent links as a tree, each span visited once (a parent cycle cannot loop). */
export function buildForest<T extends PathSpan>(spans: readonly T[]): SpanForest<T> {
  const nodes: TreeNode<T>[] = [];
  const byId = new Map<SpanKey, TreeNode<T>>();
  for (const span of spans) {
    if (byId.has(span.id)) continue;
    const node: TreeNode<T> = { span, index: nodes.length, children: [] };
    nodes.push(node);
    byId.set(span.id, node);
  }
  const roots: TreeNode<T>[] = [];
  const orphanRoots: TreeNode<T>[] = [];
  const selfParented: TreeNode<T>[] = [];
  for (const node of nodes) {
    const parent = node.span.parent;
    if (parent === null || parent === "") roots.push(node);
    else if (parent === node.span.id) selfParented.push(node);
    else {
      const parentNode = byId.get(parent);
      if (parentNode) parentNode.children.push(node);
      else orphanRoots.push(node);
    }
  }
  const reached = new Uint8Array(nodes.length);
  const stack = [...roots, ...orphanRoots, ...selfParented];
  while (stack.length) {
    const node = stack.pop()!;
    if (reached[node.index]) continue;
    reached[node.index] = 1;
    node.children.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end || byIdOrder(a.span.id, b.span.id));
    for (const child of node.children) stack.push(child);
  }
  const stranded = nodes.filter((n) => !reached[n.index]);
  return { nodes, byId, roots, orphanRoots, selfParented, stranded };
}

export interface CriticalPath<T extends PathSpan = PathSpan> {
  forest: SpanForest<T>;
  /** The root walked from; null when the trace has no parentless span. */
  root: TreeNode<T> | null;
  /** The root's duration, ns (0 without a root): the critical times add up to it. */
  durationNs: number;
  /** Per node index: its own time on the path, ns. */
  criticalNs: Float64Array;
  /** Per node index: 1 when the walk entered the span. */
  onPath: Uint8Array;
  /** Per node index: depth below its sub-tree's top (the root, an extra root, an orphan's top); −1 when cyclic. */
  depth: Int32Array;
  /** Spans excluded from the walk: in orphan sub-trees, under extra roots, on or below cycles. */
  orphanSpans: number;
  extraRootSpans: number;
  cyclicSpans: number;
}

/** The root a trace's path starts from: the earliest parentless span (then latest end, then smaller id). */
function chooseRoot<T extends PathSpan>(roots: TreeNode<T>[]): TreeNode<T> | null {
  let best: TreeNode<T> | null = null;
  for (const r of roots) {
    if (!best) best = r;
    else {
      const d = r.span.start - best.span.start || best.span.end - r.span.end || byIdOrder(r.span.id, best.span.id);
      if (d < 0) best = r;
    }
  }
  return best;
}

export function criticalPath<T extends PathSpan>(spans: readonly T[]): CriticalPath<T> {
  const forest = buildForest(spans);
  const n = forest.nodes.length;
  const criticalNs = new Float64Array(n);
  const onPath = new Uint8Array(n);
  const depth = new Int32Array(n).fill(-1);
  const root = chooseRoot(forest.roots);
  // Depths and sub-tree sizes of everything reachable; cyclic spans keep depth −1.
  const subtreeSize = (top: TreeNode<T>): number => {
    let count = 0;
    depth[top.index] = 0;
    const stack = [top];
    while (stack.length) {
      const node = stack.pop()!;
      count++;
      for (const child of node.children) {
        depth[child.index] = depth[node.index]! + 1;
        stack.push(child);
      }
    }
    return count;
  };
  let extraRootSpans = 0;
  let orphanSpans = 0;
  let cyclicSpans = forest.stranded.length;
  for (const r of forest.roots) if (r !== root) extraRootSpans += subtreeSize(r);
  if (root) subtreeSize(root);
  for (const o of forest.orphanRoots) orphanSpans += subtreeSize(o);
  for (const s of forest.selfParented) {
    cyclicSpans += subtreeSize(s);
    const stack = [s];
    while (stack.length) {
      const node = stack.pop()!;
      depth[node.index] = -1;
      stack.push(...node.children);
    }
  }
  if (!root) return { forest, root, durationNs: 0, criticalNs, onPath, depth, orphanSpans, extraRootSpans, cyclicSpans };

  // Clipped intervals, top-down from the root.
  const cs = new Float64Array(n);
  const ce = new Float64Array(n);
  cs[root.index] = root.span.start;
  ce[root.index] = Math.max(root.span.start, root.span.end);
  const clipStack = [root];
  while (clipStack.length) {
    const node = clipStack.pop()!;
    for (const child of node.children) {
      const s = Math.min(Math.max(child.span.start, cs[node.index]!), ce[node.index]!);
      const e = Math.max(Math.min(child.span.end, ce[node.index]!), s);
      cs[child.index] = s;
      ce[child.index] = e;
      clipStack.push(child);
    }
  }

  // The walk: each frame is a span on the path, its current point and the next candidate child
  // (children in walk order: latest clipped end first, then earlier start, then smaller id).
  interface Frame { node: TreeNode<T>; point: number; order: TreeNode<T>[]; next: number }
  const walkOrder = (node: TreeNode<T>) =>
    node.children
      .filter((c) => ce[c.index]! > cs[c.index]!)
      .sort((a, b) => ce[b.index]! - ce[a.index]! || cs[a.index]! - cs[b.index]! || byIdOrder(a.span.id, b.span.id));
  onPath[root.index] = 1;
  const frames: Frame[] = [{ node: root, point: ce[root.index]!, order: walkOrder(root), next: 0 }];
  while (frames.length) {
    const frame = frames[frames.length - 1]!;
    // Children that end after the point ran beside the path (sorted by end: skipped for good).
    while (frame.next < frame.order.length && ce[frame.order[frame.next]!.index]! > frame.point) frame.next++;
    if (frame.next < frame.order.length) {
      const child = frame.order[frame.next++]!;
      criticalNs[frame.node.index]! += frame.point - ce[child.index]!;
      frame.point = cs[child.index]!;
      onPath[child.index] = 1;
      frames.push({ node: child, point: ce[child.index]!, order: walkOrder(child), next: 0 });
      continue;
    }
    criticalNs[frame.node.index]! += frame.point - cs[frame.node.index]!;
    frames.pop();
  }
  return { forest, root, durationNs: ce[root.index]! - cs[root.index]!, criticalNs, onPath, depth, orphanSpans, extraRootSpans, cyclicSpans };
}
