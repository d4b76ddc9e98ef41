// grid-nav.js — owns moving focus through a grid of buttons laid out in sections (the emoji
// picker's groups) with the arrow keys, Home and End: a pure function of the sections'
// sizes, the position and the key, so it is tested without a page (tests/js/).

/**
 * Where a key moves the grid's focus from `at` ({s: section, i: index}) in sections of
 * `lengths` emoji laid out `columns` per row: ←/→ by one (across sections), ↑/↓ by a row
 * (into the next or previous section's nearest column), Home/End to the first/last emoji.
 * ↑ from the first row of the first section gives {s: -1} (back to the search box). null for
 * other keys or when it would leave the grid.
 */
export function moveInGrid(lengths, at, key, columns) {
  const { s, i } = at;
  const col = i % columns;
  const lastOf = (sec) => lengths[sec] - 1;
  const prevSection = (from) => {
    let sec = from - 1;
    while (sec >= 0 && lengths[sec] === 0) sec -= 1;
    return sec;
  };
  const nextSection = (from) => {
    let sec = from + 1;
    while (sec < lengths.length && lengths[sec] === 0) sec += 1;
    return sec < lengths.length ? sec : -1;
  };
  switch (key) {
    case 'ArrowRight': {
      if (i < lastOf(s)) return { s, i: i + 1 };
      const sec = nextSection(s);
      return sec < 0 ? null : { s: sec, i: 0 };
    }
    case 'ArrowLeft': {
      if (i > 0) return { s, i: i - 1 };
      const sec = prevSection(s);
      return sec < 0 ? null : { s: sec, i: lastOf(sec) };
    }
    case 'ArrowDown': {
      if (i + columns <= lastOf(s)) return { s, i: i + columns };
      // From the last full row down to the short last row: its last emoji.
      if (Math.floor(i / columns) < Math.floor(lastOf(s) / columns)) return { s, i: lastOf(s) };
      const sec = nextSection(s);
      return sec < 0 ? null : { s: sec, i: Math.min(col, lastOf(sec)) };
    }
    case 'ArrowUp': {
      if (i - columns >= 0) return { s, i: i - columns };
      const sec = prevSection(s);
      if (sec < 0) return { s: -1, i: 0 };
      const lastRow = Math.floor(lastOf(sec) / columns) * columns;
      return { s: sec, i: Math.min(lastRow + col, lastOf(sec)) };
    }
    case 'Home': {
      const sec = lengths[0] > 0 ? 0 : nextSection(0);
      return sec < 0 ? null : { s: sec, i: 0 };
    }
    case 'End': {
      const sec = lengths[lengths.length - 1] > 0 ? lengths.length - 1 : prevSection(lengths.length - 1);
      return sec < 0 ? null : { s: sec, i: lastOf(sec) };
    }
    default:
      return null;
  }
}
