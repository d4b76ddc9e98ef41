// fake-dom.js — just enough of a browser for the DOM-building modules to run in Node: nodes,
// elements with attributes, classes, dataset and listeners, a document, and fetch for the
// i18n catalogues. Setting innerHTML, outerHTML or calling insertAdjacentHTML throws, so a
// module that parses HTML fails its tests here as well as the grep in tests/api/js_units.rs.
import { readFileSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url);

class FakeNode {
  constructor() {
    this.childNodes = [];
    this.parentNode = null;
  }

  append(...children) {
    for (const child of children) {
      const node = child instanceof FakeNode ? child : new FakeText(String(child));
      if (node instanceof FakeFragment) {
        for (const inner of [...node.childNodes]) this.append(inner);
        node.childNodes = [];
        continue;
      }
      node.parentNode?.childNodes.splice(node.parentNode.childNodes.indexOf(node), 1);
      node.parentNode = this;
      this.childNodes.push(node);
    }
  }

  get textContent() {
    return this.childNodes.map((c) => c.textContent).join('');
  }

  replaceChildren(...children) {
    for (const child of this.childNodes) child.parentNode = null;
    this.childNodes = [];
    this.append(...children);
  }

  set textContent(value) {
    this.childNodes = [];
    if (value !== '') this.append(new FakeText(String(value)));
  }

  set innerHTML(_) {
    throw new Error('innerHTML set: views build nodes, they never parse HTML');
  }

  set outerHTML(_) {
    throw new Error('outerHTML set: views build nodes, they never parse HTML');
  }

  insertAdjacentHTML() {
    throw new Error('insertAdjacentHTML: views build nodes, they never parse HTML');
  }
}

class FakeText extends FakeNode {
  constructor(data) {
    super();
    this.data = data;
  }

  get textContent() {
    return this.data;
  }
}

class FakeFragment extends FakeNode {}

class FakeElement extends FakeNode {
  constructor(tagName) {
    super();
    this.tagName = tagName.toUpperCase();
    this.attributes = new Map();
    this.listeners = new Map();
    const el = this;
    this.classList = {
      add: (...names) => el.setAttribute('class', [...new Set([...el.classes(), ...names])].join(' ')),
      remove: (...names) => el.setAttribute('class', el.classes().filter((c) => !names.includes(c)).join(' ')),
      contains: (name) => el.classes().includes(name),
      toggle: (name, force = !el.classes().includes(name)) => {
        if (force) el.classList.add(name);
        else el.classList.remove(name);
        return force;
      },
    };
    this.dataset = new Proxy({}, {
      get: (_, key) => el.getAttribute(`data-${String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`) ?? undefined,
      set: (_, key, value) => {
        el.setAttribute(`data-${String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(value));
        return true;
      },
    });
  }

  classes() {
    return (this.getAttribute('class') ?? '').split(' ').filter(Boolean);
  }

  get className() {
    return this.getAttribute('class') ?? '';
  }

  set className(value) {
    this.setAttribute('class', value);
  }

  get lang() {
    return this.getAttribute('lang') ?? '';
  }

  set lang(value) {
    this.setAttribute('lang', value);
  }

  get hidden() {
    return this.hasAttribute('hidden');
  }

  set hidden(value) {
    if (value) this.setAttribute('hidden', '');
    else this.removeAttribute('hidden');
  }

  get title() {
    return this.getAttribute('title') ?? '';
  }

  set title(value) {
    this.setAttribute('title', value);
  }

  get children() {
    return this.childNodes.filter((c) => c instanceof FakeElement);
  }

  get parentElement() {
    return this.parentNode instanceof FakeElement ? this.parentNode : null;
  }

  /** Inserts `nodes` right after this one in its parent. */
  after(...nodes) {
    const parent = this.parentNode;
    if (!parent) return;
    let at = parent.childNodes.indexOf(this) + 1;
    for (const node of nodes) {
      node.parentNode?.childNodes.splice(node.parentNode.childNodes.indexOf(node), 1);
      node.parentNode = parent;
      parent.childNodes.splice(at, 0, node);
      at += 1;
    }
  }

  setAttribute(name, value) {
    this.attributes.set(name.toLowerCase(), String(value));
  }

  getAttribute(name) {
    return this.attributes.has(name.toLowerCase()) ? this.attributes.get(name.toLowerCase()) : null;
  }

  hasAttribute(name) {
    return this.attributes.has(name.toLowerCase());
  }

  removeAttribute(name) {
    this.attributes.delete(name.toLowerCase());
  }

  addEventListener(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(fn);
  }

  removeEventListener(type, fn) {
    this.listeners.get(type)?.delete(fn);
  }

  /** Calls the listeners of `event.type` with a minimal event; returns the event. */
  dispatch(type, props = {}) {
    const event = { type, target: this, defaultPrevented: false, ...props };
    event.preventDefault = () => { event.defaultPrevented = true; };
    event.stopPropagation = () => { event.propagationStopped = true; };
    for (const fn of [...(this.listeners.get(type) ?? [])]) fn(event);
    return event;
  }

  focus() {
    globalThis.document.activeElement = this;
  }

  /** Elements below this one, depth first, that `test` accepts. */
  findAll(test) {
    const found = [];
    for (const child of this.children) {
      if (test(child)) found.push(child);
      found.push(...child.findAll(test));
    }
    return found;
  }
}

/** Installs the fake document (with <html lang=`lang`>), Node and fetch as globals. */
export function installFakeDom(lang = 'ru') {
  const documentElement = new FakeElement('html');
  documentElement.setAttribute('lang', lang);
  globalThis.Node = FakeNode;
  globalThis.document = {
    documentElement,
    activeElement: null,
    createElement: (tag) => new FakeElement(tag),
    createElementNS: (_, tag) => new FakeElement(tag),
    createTextNode: (data) => new FakeText(String(data)),
    createDocumentFragment: () => new FakeFragment(),
    querySelectorAll: () => [],
  };
  globalThis.fetch = async (url) => {
    const path = String(url).replace(/^\//, '');
    try {
      const body = readFileSync(new URL(path, ROOT), 'utf8');
      return { ok: true, status: 200, json: async () => JSON.parse(body) };
    } catch {
      return { ok: false, status: 404, json: async () => null };
    }
  };
}

export { FakeElement, FakeFragment, FakeText };
