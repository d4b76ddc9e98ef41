// dom.js — owns building DOM nodes from data without ever parsing HTML.
// Every piece of user data passes through textContent or setAttribute here,
// so the views never parse markup and a strict CSP holds.

/**
 * Creates an element. `props` keys:
 *   class   -> className
 *   text    -> textContent
 *   dataset -> copied into el.dataset
 *   onXxx   -> addEventListener('xxx', fn)
 *   other   -> setAttribute (true sets an empty attribute; false/null/undefined skip it)
 * Children may be nodes, strings (become text nodes), or null/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') {
      el.className = value;
    } else if (key === 'text') {
      el.textContent = String(value);
    } else if (key === 'dataset') {
      for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
    } else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  appendChildren(el, children);
  return el;
}

/** Appends nodes or strings (as text nodes) to `parent`, skipping empty values. */
export function appendChildren(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** document.getElementById that fails loudly when the template and the script disagree. */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`Discock: the template has no element #${id}`);
  return el;
}
