// scroll-anchor.js — owns keeping what the reader looks at in place while a list is
// re-rendered above it (older pages prepended, a message deleted, a language switch):
// remember the first visible item and its offset, and scroll so it sits there again.

/** The first of `nodes` (id -> element) visible at the top of `scroller`, and how far from the top it sits. */
export function captureAnchor(scroller, nodes) {
  const top = scroller.getBoundingClientRect().top;
  const fallback = scroller.scrollHeight - scroller.scrollTop;
  for (const [id, node] of nodes) {
    const rect = node.getBoundingClientRect();
    if (rect.bottom > top) return { id, offset: rect.top - top, fallback };
  }
  return { id: null, offset: 0, fallback };
}

/** Scrolls `scroller` so the anchor's item is where it was (or the same distance from the end). */
export function restoreAnchor(scroller, nodes, anchor) {
  if (!anchor) return;
  const node = anchor.id === null ? null : nodes.get(anchor.id);
  if (node) {
    const top = scroller.getBoundingClientRect().top;
    scroller.scrollTop += node.getBoundingClientRect().top - top - anchor.offset;
  } else {
    scroller.scrollTop = scroller.scrollHeight - anchor.fallback;
  }
}
