import { copyable, h, timeAgo } from "../dom.js";
import { duration, leaseLeft, relativeTime } from "../logic/format.js";
import { plainIdLabel } from "../logic/links.js";
import type { Instance } from "../types.js";

/** A lease bar and its seconds, both kept current by the page's ticker (main.ts). */
export function leaseCell(i: Instance, nowMs: number): HTMLElement {
  const left = leaseLeft(i, nowMs);
  return h(
    "span",
    { class: "lease", "data-expires": i.expires_at, "data-start": i.last_seen },
    h("progress", { max: 1, value: left.fraction.toFixed(3), "aria-label": `lease of ${i.id}` }),
    h("span", { class: "lease-text" }, duration(left.seconds)),
  );
}

function short(id: string): string {
  return id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-6)}` : id;
}

function details(i: Instance, zone: string): HTMLElement {
  const rows: [string, Node | string][] = [];
  if (i.cluster_node_id !== null) rows.push(["Blixard node", String(i.cluster_node_id)]);
  if (i.iroh_node_id !== null) {
    rows.push(["iroh id", h("code", { title: i.iroh_node_id }, short(i.iroh_node_id))]);
  }
  if (i.direct_addresses.length) rows.push(["direct", i.direct_addresses.join(", ")]);
  if (i.relay_url) rows.push(["relay", i.relay_url]);
  if (i.version) rows.push(["version", i.version]);
  if (i.weight !== 1) rows.push(["weight", String(i.weight)]);
  for (const [k, v] of Object.entries(i.metadata)) rows.push([k, v]);
  const label = plainIdLabel(i.id);
  if (label) rows.push(["DNS", `${label}.${i.service}.${zone}`]);
  if (rows.length === 0) return h("span", { class: "muted" }, "—");
  return h(
    "dl",
    { class: "details" },
    ...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
  );
}

export function instanceRow(i: Instance, nowMs: number, zone: string): HTMLTableRowElement {
  return h(
    "tr",
    { "data-id": i.id, class: `status-${i.status}` },
    h("th", { scope: "row", "data-label": "ID" }, h("code", {}, i.id)),
    h("td", { "data-label": "Address" }, h("code", {}, i.address)),
    h("td", { "data-label": "Status" }, h("span", { class: `badge ${i.status}` }, i.status)),
    h(
      "td",
      { "data-label": "Source" },
      h("span", { class: "chip", "data-source": i.source }, i.source),
    ),
    h(
      "td",
      { "data-label": "Tags" },
      i.tags.length
        ? h("span", { class: "tags" }, ...i.tags.map((t) => h("span", { class: "chip tag" }, t)))
        : h("span", { class: "muted" }, "—"),
    ),
    h("td", { "data-label": "Registered" }, timeAgo(i.registered_at, nowMs, relativeTime)),
    h("td", { "data-label": "Last seen" }, timeAgo(i.last_seen, nowMs, relativeTime)),
    h("td", { "data-label": "Lease left" }, leaseCell(i, nowMs)),
    h("td", { "data-label": "Details" }, details(i, zone)),
  );
}

/** The registry.json URL of one instance, when it is a Blixard node: a row of the links list. */
export function registryJsonLink(origin: string, i: Instance): HTMLElement | undefined {
  if (i.cluster_node_id === null || i.iroh_node_id === null) return undefined;
  return h(
    "li",
    {},
    h("span", { class: "link-label" }, h("code", {}, i.id)),
    copyable(
      `registry.json of ${i.id}`,
      `${origin}/v1/services/${i.service}/instances/${encodeURIComponent(i.id)}/registry.json`,
    ),
    h("small", { class: "muted" }, "Blixard's NodeRegistryEntry: a token, or a presigned URL"),
  );
}
