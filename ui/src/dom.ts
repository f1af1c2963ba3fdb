/**
 * Elements made with text nodes and properties only, never HTML strings: nothing a registry
 * record holds (ids, tags, metadata) can become markup or script. `on*` attributes take
 * listeners; `false`/undefined attributes are left out.
 */
type Attr = string | number | boolean | undefined | ((event: Event) => void);
export type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, Attr> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "value" && "value" in el) (el as HTMLInputElement).value = String(value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(el: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what `el` holds. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/** A `<time>` the page's ticker keeps current: "3 min ago", the full time in its title. */
export function timeAgo(
  iso: string | null,
  nowMs: number,
  relative: (at: number, now: number) => string,
) {
  if (!iso) return h("span", { class: "muted" }, "—");
  const at = Date.parse(iso);
  return h("time", { datetime: iso, title: iso, "data-ago": String(at) }, relative(at, nowMs));
}

/** A read-only field and a button that copies it (a selectable field where the clipboard is denied). */
export function copyable(label: string, value: string): HTMLElement {
  const input = h("input", {
    type: "text",
    readonly: true,
    value,
    "aria-label": label,
    class: "copy-value",
    onfocus: (e) => (e.target as HTMLInputElement).select(),
  });
  const button = h("button", { type: "button", class: "copy" }, "Copy");
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(value);
      button.textContent = "Copied";
    } catch {
      input.focus();
      button.textContent = "Select ⌘/Ctrl-C";
    }
    setTimeout(() => {
      button.textContent = "Copy";
    }, 1500);
  });
  return h("span", { class: "copy-row" }, input, button);
}
