/**
 * The view helper: elements built from data with text nodes only (never HTML strings, so content
 * from a workspace cannot inject markup), and `morph`, which brings a live subtree in line with a
 * freshly rendered one by touching only what differs. Rendering the same state twice therefore
 * changes nothing in the DOM (no flicker, no lost selection or scroll).
 */

export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined>;

export function h(tag: string, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElement {
  const element = document.createElement(tag);
  setAttrs(element, attrs);
  append(element, children);
  return element;
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function s(tag: string, attrs: Attrs = {}, ...children: (Child | Child[])[]): SVGElement {
  const element = document.createElementNS(SVG_NS, tag);
  setAttrs(element, attrs);
  append(element, children);
  return element;
}

function setAttrs(element: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    // No event-handler attributes: behaviour is attached in code, never from strings.
    if (/^on/i.test(name)) throw new Error(`event attribute ${name} is not allowed`);
    element.setAttribute(name, value === true ? "" : String(value));
  }
}

function append(element: Element, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

function sameKind(a: Node, b: Node): boolean {
  return a.nodeType === b.nodeType && a.nodeName === b.nodeName;
}

function morphAttributes(target: Element, source: Element): void {
  for (const { name } of [...target.attributes]) if (!source.hasAttribute(name)) target.removeAttribute(name);
  for (const { name, value } of [...source.attributes]) {
    if (target.getAttribute(name) !== value) target.setAttribute(name, value);
  }
}

/** Makes `target`'s children equal to `source`'s, reusing every node that can be kept. */
export function morphChildren(target: Node, source: Node): void {
  const next = [...source.childNodes];
  next.forEach((incoming, index) => {
    const current = target.childNodes[index];
    if (!current) target.appendChild(incoming);
    else if (!sameKind(current, incoming)) target.replaceChild(incoming, current);
    else if (current.nodeType === Node.TEXT_NODE) {
      if (current.textContent !== incoming.textContent) current.textContent = incoming.textContent;
    } else {
      morphAttributes(current as Element, incoming as Element);
      // A chart draws into its own element: its children belong to the chart library.
      if (!(current as Element).hasAttribute("data-owned")) morphChildren(current, incoming);
    }
  });
  while (target.childNodes.length > next.length) target.lastChild?.remove();
}

/** Renders `view` into `container`, morphing rather than replacing. */
export function render(container: Element, ...view: (Child | Child[])[]): void {
  const fresh = document.createElement(container.tagName);
  append(fresh, view);
  morphChildren(container, fresh);
}
