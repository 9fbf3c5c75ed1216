// Critical path of one trace, walked backwards from the root's end as Jaeger does: the child
// that finished last (at or before the current point) is on the path, the point moves to its
// start, and so on; a child's own children are walked the same way within it. Spans off the path
// ran in parallel with something longer, so shortening them does not shorten the event.
// Cycles and self-parents are ignored (each span is visited once).

export interface PathSpan {
  id: string;
  parent: string | null;
  start: number;
  end: number;
}

export function criticalPath(spans: PathSpan[]): Set<string> {
  const byId = new Map(spans.map((s) => [s.id, s]));
  const children = new Map<string, PathSpan[]>();
  const roots: PathSpan[] = [];
  for (const span of spans) {
    if (span.parent && span.parent !== span.id && byId.has(span.parent)) {
      const list = children.get(span.parent) ?? [];
      list.push(span);
      children.set(span.parent, list);
    } else roots.push(span);
  }
  const onPath = new Set<string>();
  const visited = new Set<string>();
  const walk = (span: PathSpan, limit: number) => {
    if (visited.has(span.id)) return;
    visited.add(span.id);
    onPath.add(span.id);
    const kids = [...(children.get(span.id) ?? [])].sort((a, b) => b.end - a.end);
    let t = Math.min(span.end, limit);
    for (const child of kids) {
      if (child.start >= t) continue; // entirely after the point: overlapped by one already counted
      walk(child, Math.min(child.end, t));
      t = child.start;
      if (t <= span.start) break;
    }
  };
  // The event's path starts at the root that ends last.
  const last = roots.sort((a, b) => b.end - a.end)[0];
  if (last) walk(last, last.end);
  return onPath;
}
