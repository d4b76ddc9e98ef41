// markdown.js — owns reading a message's text as Discord-style markdown: a pure function
// from text to a tree, with no DOM and no imports, so it runs (and is tested) in Node as well
// as in the page. format.js walks the tree into DOM nodes.
//
// What it reads:
//   ```lang\ncode```   a code block (language tag optional)   -> {type: 'codeblock', lang, value}
//   `code`             inline code (`` a`b `` for backticks)  -> {type: 'code', value}
//   > line / >>> rest  a quote: "> " lines, or all that follows ">>> " -> {type: 'quote', children}
//   **b** *i* _i_ __u__ ~~s~~ ||spoiler||                     -> {type: 'bold'|'italic'|'underline'|'strike'|'spoiler', children}
//   http(s)://…        a link (never another scheme)          -> {type: 'link', href, value}
//   @name              a possible mention (the renderer decides whether that user exists) -> {type: 'mention', name}
//   \*                 a backslash makes the next ASCII punctuation literal
// Everything else is {type: 'text', value}; line breaks stay "\n" inside text. Code is never
// read further. A marker without its partner stays literal text.
//
// Cost: no backtracking over alternatives. Each character is looked at a bounded number of
// times, except in the search for a code span's closing backticks, a link that turns out not
// to be one, and the wrapping of an emphasis' content, each at worst linear per marker; on the
// 2000 characters a message may hold, the worst shapes the tests try take milliseconds.

/** @typedef {{type: string, value?: string, children?: Node[], href?: string, lang?: string, name?: string}} Node */

/** The longest language tag read after an opening fence. */
const LANG_TAG = /^([A-Za-z0-9_+#.-]{1,32})\n/;
/** A link runs to the next space or angle bracket or quote. */
const URL_AT = /https?:\/\/[^\s<>"'`]+/iy;
/** Dropped from a link's end: they end the sentence or close markup around the link. */
const URL_TRAILING = '.,!?;:»…"\'\u201d]}*_~|';
/** What a username is made of (the server's Username: letters, digits, "_", "-", "."). */
const NAME_CHAR = /[\p{Alphabetic}\p{N}_.-]/u;
/** A character that joins a word: "_" inside snake_case is no italic. */
const WORD_CHAR = /[\p{Alphabetic}\p{N}_]/u;
/** A letter or digit: no link or mention starts right after one ("xhttp://", "a@b"). */
const ALNUM = /[\p{Alphabetic}\p{N}]/u;
const SPACE = /\s/u;
const ASCII_PUNCT = /[!-/:-@[-`{-~]/;
/** Username length, as the server accepts it. */
const NAME_MIN = 3;
const NAME_MAX = 32;

/** Marker characters and what one or two of them mean. */
const MARKERS = {
  '*': { one: 'italic', two: 'bold' },
  _: { one: 'italic', two: 'underline' },
  '~': { one: null, two: 'strike' },
  '|': { one: null, two: 'spoiler' },
};

/**
 * The tree of `text`: {type: 'root', children}. A pure function of the text.
 * @param {string} text
 * @returns {{type: 'root', children: Node[]}}
 */
export function parse(text) {
  const source = String(text ?? '');
  const children = [];
  for (const part of splitCodeBlocks(source)) {
    if (part.type === 'codeblock') children.push(part);
    else children.push(...parseBlocks(part.value, part.atLineStart));
  }
  return { type: 'root', children: mergeText(children) };
}

// ---- blocks -----------------------------------------------------------------------------

/**
 * The text cut at ``` fences into code blocks and the text between them. A fence without a
 * closing one, or with nothing inside, is left as text. Line breaks next to a block go with
 * it (a block starts on its own line anyway).
 */
function splitCodeBlocks(source) {
  const parts = [];
  let from = 0;
  let searchFrom = 0;
  for (;;) {
    const open = source.indexOf('```', searchFrom);
    if (open < 0) break;
    if (source[open - 1] === '\\') {
      searchFrom = open + 1;
      continue;
    }
    const close = source.indexOf('```', open + 3);
    if (close < 0) break;
    let inner = source.slice(open + 3, close);
    let lang = '';
    const tag = LANG_TAG.exec(inner);
    if (tag) {
      lang = tag[1];
      inner = inner.slice(tag[0].length);
    } else if (inner.startsWith('\n')) {
      inner = inner.slice(1);
    }
    if (inner.endsWith('\n')) inner = inner.slice(0, -1);
    if (inner.trim() === '') {
      searchFrom = open + 3;
      continue;
    }
    let before = source.slice(from, open);
    if (before.endsWith('\n')) before = before.slice(0, -1);
    if (before) parts.push({ type: 'text', value: before, atLineStart: from === 0 || source[from - 1] === '\n' });
    parts.push({ type: 'codeblock', lang, value: inner });
    from = close + 3;
    if (source[from] === '\n') from += 1;
    searchFrom = from;
  }
  if (from < source.length) {
    parts.push({ type: 'text', value: source.slice(from), atLineStart: from === 0 || source[from - 1] === '\n' });
  }
  return parts;
}

/**
 * A stretch of text between code blocks: quote lines gathered into quotes, the rest inline.
 * Quote lines with nothing in them stay as typed.
 */
function parseBlocks(value, atLineStart) {
  const nodes = [];
  const lines = value.split('\n');
  let plain = [];
  /** The quote being gathered: its lines as typed and without their "> ". */
  let typed = [];
  let quoted = [];
  const flushPlain = () => {
    if (plain.length) nodes.push(...parseInline(plain.join('\n')));
    plain = [];
  };
  const flushQuote = () => {
    if (quoted.join('').trim()) nodes.push({ type: 'quote', children: parseInline(quoted.join('\n')) });
    else if (typed.length) nodes.push(...parseInline(typed.join('\n')));
    typed = [];
    quoted = [];
  };
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    const lineStart = i > 0 || atLineStart;
    if (lineStart && line.startsWith('>>> ')) {
      // ">>> " quotes the line and everything after it.
      flushPlain();
      typed.push(...lines.slice(i));
      quoted.push(line.slice(4), ...lines.slice(i + 1));
      break;
    }
    if (lineStart && (line.startsWith('> ') || line === '>')) {
      flushPlain();
      typed.push(line);
      quoted.push(line.slice(2));
    } else {
      flushQuote();
      plain.push(line);
    }
  }
  flushPlain();
  flushQuote();
  return nodes;
}

// ---- inline -----------------------------------------------------------------------------

/**
 * Inline markup of `s`: first the atoms (code spans, links, mentions, escapes) and the
 * marker runs, then the runs are paired (see pairMarkers).
 */
function parseInline(s) {
  return pairMarkers(tokenize(s));
}

/** The UTF-16 unit of `s` at `i`, or '' outside it. */
function charAt(s, i) {
  return i >= 0 && i < s.length ? s[i] : '';
}

/** The tokens of `s`: atoms as finished nodes, marker runs as {type: 'run'}. */
function tokenize(s) {
  const tokens = [];
  let text = '';
  const flush = () => {
    if (text) tokens.push({ type: 'text', value: text });
    text = '';
  };
  let i = 0;
  /** A link or mention just read. */
  let atom;
  while (i < s.length) {
    const c = s[i];
    if (c === '\\' && ASCII_PUNCT.test(charAt(s, i + 1))) {
      text += s[i + 1];
      i += 2;
    } else if (c === '`') {
      const run = runLength(s, i, '`');
      const close = findBacktickRun(s, i + run, run);
      if (close < 0) {
        text += s.slice(i, i + run);
        i += run;
      } else {
        flush();
        tokens.push({ type: 'code', value: trimCodeSpan(s.slice(i + run, close)) });
        i = close + run;
      }
    } else if ((c === 'h' || c === 'H') && !ALNUM.test(charAt(s, i - 1)) && (atom = readLink(s, i))) {
      flush();
      tokens.push(atom.node);
      i += atom.length;
    } else if (c === '@' && !ALNUM.test(charAt(s, i - 1)) && (atom = readName(s, i + 1))) {
      flush();
      tokens.push({ type: 'mention', name: atom });
      i += 1 + atom.length;
    } else if (Object.hasOwn(MARKERS, c)) {
      const length = runLength(s, i, c);
      flush();
      const before = charAt(s, i - 1);
      const after = charAt(s, i + length);
      tokens.push({ type: 'run', char: c, count: length, ...flanking(c, before, after) });
      i += length;
    } else {
      text += c;
      i += 1;
    }
  }
  flush();
  return tokens;
}

function runLength(s, i, c) {
  let j = i;
  while (s[j] === c) j += 1;
  return j - i;
}

/** Where the next run of exactly `n` backticks starts at or after `from`; -1 when none. */
function findBacktickRun(s, from, n) {
  let i = s.indexOf('`', from);
  while (i >= 0) {
    const length = runLength(s, i, '`');
    if (length === n) return i;
    i = s.indexOf('`', i + length);
  }
  return -1;
}

/** `` ` a ` `` shows " a ": one space on each side is padding when both are there. */
function trimCodeSpan(value) {
  if (value.length > 2 && value.startsWith(' ') && value.endsWith(' ') && value.trim()) return value.slice(1, -1);
  return value;
}

/**
 * The link starting at `i`, or null: an http(s) URL without the punctuation that ends the
 * sentence, where a ")" stays when it closes a "(" of the URL (wiki links "…_(film)").
 * `href` is the URL as the URL parser normalises it; only http: and https: come out.
 */
function readLink(s, i) {
  URL_AT.lastIndex = i;
  const match = URL_AT.exec(s);
  if (!match) return null;
  let candidate = match[0];
  let opens = 0;
  let closes = 0;
  for (const ch of candidate) {
    if (ch === '(') opens += 1;
    else if (ch === ')') closes += 1;
  }
  while (candidate.length) {
    const ch = candidate[candidate.length - 1];
    if (ch === ')' && closes > opens) {
      closes -= 1;
    } else if (!URL_TRAILING.includes(ch)) {
      break;
    }
    candidate = candidate.slice(0, -1);
  }
  let href;
  try {
    const url = new URL(candidate);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (!url.hostname) return null;
    href = url.href;
  } catch {
    return null;
  }
  return { length: candidate.length, node: { type: 'link', href, value: candidate } };
}

/**
 * The username after an "@" at `i`, or null: 3–32 name characters, without the ".", "-"
 * and "_" that end it (they end the sentence or close markup: "@alice." , "_@bob_").
 */
function readName(s, i) {
  let j = i;
  while (j < s.length && j - i <= NAME_MAX && NAME_CHAR.test(s[j])) j += 1;
  if (j - i > NAME_MAX) return null;
  let name = s.slice(i, j);
  while (name && '.-_'.includes(name[name.length - 1])) name = name.slice(0, -1);
  return [...name].length >= NAME_MIN ? name : null;
}

/**
 * Whether a marker run can open and/or close. "*" and "_" follow CommonMark: an opener is
 * followed by a non-space, a closer preceded by one, and "_" does not open or close inside a
 * word (snake_case stays as typed). "~~" and "||" pair with anything between them.
 */
function flanking(c, before, after) {
  if (c === '~' || c === '|') return { canOpen: after !== '', canClose: before !== '' };
  let canOpen = after !== '' && !SPACE.test(after);
  let canClose = before !== '' && !SPACE.test(before);
  if (c === '_') {
    canOpen = canOpen && !WORD_CHAR.test(before);
    canClose = canClose && !WORD_CHAR.test(after);
  }
  return { canOpen, canClose };
}

/**
 * Pairs marker runs into nodes, left to right, with a stack of openers (CommonMark's
 * delimiter algorithm, simplified). A closing run takes the nearest opener of its character
 * that fits it (see pickOpener); openers above that one lose their chance and stay text. Two
 * characters on both sides make the "two" kind (bold, underline, strike, spoiler), else one
 * makes the "one" kind; what is left of a run tries again, then may open.
 */
function pairMarkers(tokens) {
  const out = [];
  /** Open runs: {char, count, at (index in out of their text placeholder)}. */
  const stack = [];
  const openCount = { '*': 0, _: 0, '~': 0, '|': 0 };
  const dropTop = () => openCount[stack.pop().char] -= 1;
  for (const token of tokens) {
    if (token.type !== 'run') {
      out.push(token);
      continue;
    }
    const { char } = token;
    const paired = MARKERS[char];
    let { count } = token;
    while (count > 0 && token.canClose && openCount[char] > 0) {
      const k = pickOpener(stack, char, count);
      const opener = stack[k];
      const use = opener.count >= 2 && count >= 2 ? 2 : 1;
      const type = use === 2 ? paired.two : paired.one;
      if (!type) break; // a lone "~" or "|" pairs with nothing
      // Openers above this one stay literal text.
      while (stack.length > k + 1) dropTop();
      const children = out.splice(opener.at + 1);
      opener.count -= use;
      count -= use;
      if (opener.count === 0) out.pop();
      else out[opener.at] = { type: 'text', value: char.repeat(opener.count) };
      if (opener.count === 0 || (!paired.one && opener.count < 2)) dropTop();
      out.push({ type, children: mergeText(children) });
    }
    if (count === 0) continue;
    out.push({ type: 'text', value: char.repeat(count) });
    if (token.canOpen && (paired.one || count >= 2)) {
      stack.push({ char, count, at: out.length - 1 });
      openCount[char] += 1;
    }
  }
  return mergeText(out);
}

/**
 * The index in `stack` of the opener a closing run of `count` `char`s pairs with: the nearest
 * one of the same size class (a single marker with a single one, a double with a double), so
 * "**a *b** c*" is bold "a *b" as in Discord; else the nearest of that character.
 */
function pickOpener(stack, char, count) {
  let nearest = -1;
  for (let k = stack.length - 1; k >= 0; k -= 1) {
    if (stack[k].char !== char) continue;
    if (nearest < 0) nearest = k;
    if (count >= 3 || (count === 1) === (stack[k].count === 1)) return k;
  }
  return nearest;
}

/** Adjacent text nodes joined into one. */
function mergeText(nodes) {
  const merged = [];
  for (const node of nodes) {
    const last = merged[merged.length - 1];
    if (node.type === 'text' && last?.type === 'text') {
      merged[merged.length - 1] = { type: 'text', value: last.value + node.value };
    } else if (node.type !== 'text' || node.value !== '') {
      merged.push(node);
    }
  }
  return merged;
}
