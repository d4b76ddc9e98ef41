// format.js — owns how a message's text shows: it walks the tree markdown.js reads from the
// text and builds DOM nodes for it, only through createElement / textContent / setAttribute
// (never by parsing HTML), so whatever a message says stays text. Links open in a new tab
// without a referrer; spoilers hide their content until clicked or activated from the
// keyboard; "@name" becomes a mention when that user is one the caller knows.
//
//   renderMessage(text, { mentions, me }) -> DocumentFragment
//   parse(text) -> tree (re-exported from markdown.js; pure, for tests and other views)
import { h } from './dom.js';
import { t } from './i18n.js';
import { parse } from './markdown.js';

export { parse };

/** Elements of the simple wrapping kinds, and their class (the stylesheet styles them). */
const WRAPPERS = {
  bold: ['strong', null],
  italic: ['em', null],
  underline: ['u', null],
  strike: ['s', null],
  quote: ['blockquote', 'md-quote'],
};

/** rel of every link a message carries: no window.opener, no referrer, no ranking credit. */
export const LINK_REL = 'noopener noreferrer nofollow';

/**
 * The nodes showing `text`, as a fragment to append to the message body (which keeps line
 * breaks with `white-space: pre-wrap`).
 * @param {string} text
 * @param {object} [options]
 * @param {Map<string, {id: number}>} [options.mentions]  users "@name" may mention, by
 *   lowercased username; other names stay text
 * @param {string} [options.me]  the viewer's lowercased username: their mentions get `mention-me`
 * @returns {DocumentFragment}
 */
export function renderMessage(text, { mentions = new Map(), me = '' } = {}) {
  const fragment = document.createDocumentFragment();
  appendNodes(fragment, parse(text).children, { mentions, me: String(me).toLowerCase() });
  return fragment;
}

function appendNodes(parent, nodes, ctx) {
  for (const node of nodes) parent.append(renderNode(node, ctx));
}

function renderNode(node, ctx) {
  switch (node.type) {
    case 'text':
      return document.createTextNode(node.value);
    case 'code':
      return h('code', { class: 'md-code', text: node.value });
    case 'codeblock':
      return h('pre', { class: 'md-pre' },
        h('code', { class: 'md-pre__code', dataset: node.lang ? { lang: node.lang } : {}, text: node.value }));
    case 'link':
      return link(node);
    case 'mention':
      return mention(node, ctx);
    case 'spoiler':
      return spoiler(node, ctx);
    default: {
      const [tag, cls] = WRAPPERS[node.type] ?? ['span', null];
      const el = h(tag, { class: cls });
      appendNodes(el, node.children ?? [], ctx);
      return el;
    }
  }
}

/** A link, only ever to an http(s) address (markdown.js reads no other scheme; checked again). */
function link(node) {
  let href = null;
  try {
    const url = new URL(node.href);
    if (url.protocol === 'http:' || url.protocol === 'https:') href = url.href;
  } catch {
    href = null;
  }
  if (!href) return document.createTextNode(node.value);
  return h('a', { href, target: '_blank', rel: LINK_REL, text: node.value });
}

/** "@name" as a mention of a known user (`mention-me` when it is the viewer), else text. */
function mention(node, { mentions, me }) {
  const key = node.name.toLowerCase();
  const user = mentions.get(key);
  if (!user) return document.createTextNode(`@${node.name}`);
  const classes = key === me ? 'mention mention-me' : 'mention';
  return h('span', { class: classes, dataset: { userId: user.id }, text: `@${node.name}` });
}

/**
 * A spoiler: a button (role, tabindex, a label saying what it is) whose content is inert —
 * unreadable, unfocusable, unclickable — until a click, Enter or Space shows it for good.
 */
function spoiler(node, ctx) {
  const content = h('span', { class: 'spoiler__content', inert: true });
  appendNodes(content, node.children, ctx);
  const el = h('span', {
    class: 'spoiler',
    role: 'button',
    tabindex: '0',
    'aria-label': t('format.spoiler'),
  }, content);
  const reveal = (event) => {
    event.preventDefault();
    event.stopPropagation();
    const hadFocus = document.activeElement === el;
    el.classList.add('spoiler--revealed');
    for (const attr of ['role', 'tabindex', 'aria-label']) el.removeAttribute(attr);
    content.removeAttribute('inert');
    // Focus stays on what was revealed (the button it was on is gone), so it is read next.
    if (hadFocus) {
      content.setAttribute('tabindex', '-1');
      content.focus();
    }
    el.removeEventListener('click', reveal);
    el.removeEventListener('keydown', onKey);
  };
  const onKey = (event) => {
    if (event.key === 'Enter' || event.key === ' ') reveal(event);
  };
  el.addEventListener('click', reveal);
  el.addEventListener('keydown', onKey);
  return el;
}
