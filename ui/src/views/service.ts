import { explain, statusLine, type View, type ViewContext } from "../context.js";
import { copyable, fill, h, timeAgo } from "../dom.js";
import { follow } from "../live.js";
import { describeChange, diffInstances, mergeChanges } from "../logic/diff.js";
import { allTags, filterInstances, type InstanceFilter, NO_FILTER } from "../logic/filter.js";
import { statusLine as countsLine, relativeTime } from "../logic/format.js";
import { dnsNames, fileLinks } from "../logic/links.js";
import { type SortDirection, type SortKey, sortInstances } from "../logic/sort.js";
import { type ChangeEntry, type Instance, STATUSES } from "../types.js";
import { instanceRow, registryJsonLink } from "./instance-row.js";

const COLUMNS: [string, SortKey | undefined][] = [
  ["ID", "id"],
  ["Address", "address"],
  ["Status", "status"],
  ["Source", "source"],
  ["Tags", undefined],
  ["Registered", "registered"],
  ["Last seen", "last_seen"],
  ["Lease left", "lease"],
  ["Details", undefined],
];

function select(
  label: string,
  options: [string, string][],
  value: string,
  onChange: (v: string) => void,
) {
  const el = h("select", {
    "aria-label": label,
    onchange: (e) => onChange((e.target as HTMLSelectElement).value),
  });
  for (const [v, text] of options) {
    const o = h("option", { value: v }, text);
    o.selected = v === value;
    el.append(o);
  }
  return h("label", {}, `${label} `, el);
}

function linksSection(ctx: ViewContext, service: string): HTMLElement {
  const origin = location.origin;
  const files = fileLinks(
    origin,
    service,
    ctx.config.formats.filter((f) => f.scope !== "instance"),
  );
  const names = dnsNames(service, ctx.config.dns);
  const rows = (links: { label: string; value: string; note: string }[]) =>
    h(
      "ul",
      { class: "links" },
      ...links.map((l) =>
        h(
          "li",
          {},
          h("span", { class: "link-label" }, l.label),
          copyable(l.label, l.value),
          h("small", { class: "muted" }, l.note),
        ),
      ),
    );
  return h(
    "section",
    { "aria-labelledby": "files-h" },
    h("h2", { id: "files-h" }, "Files and join URLs"),
    rows(files),
    h("h2", {}, "DNS names"),
    rows(names),
  );
}

function changesList(changes: ChangeEntry[], nowMs: number): HTMLElement {
  if (changes.length === 0)
    return h("p", { class: "empty" }, "Nothing has changed since this page opened.");
  return h(
    "ol",
    { class: "changes" },
    ...changes
      .slice(0, 50)
      .map((c) =>
        h(
          "li",
          { class: `change ${c.change}` },
          timeAgo(c.at, nowMs, relativeTime),
          " ",
          h("code", {}, c.id),
          " ",
          describeChange(c),
        ),
      ),
  );
}

/**
 * One service: its instances (filtered, sorted), its files and names, and what changed while
 * the page was open. Follows `/instances` with a blocking read (local mode) or a poll.
 */
export const serviceView: View = (ctx, service) => {
  let instances: Instance[] = [];
  let loaded = false;
  let filter: InstanceFilter = { ...NO_FILTER };
  let sortKey: SortKey = "id";
  let direction: SortDirection = "ascending";
  let seen: ChangeEntry[] = [];

  const state = statusLine();
  const summary = h("p", { class: "summary" });
  const controls = h("div", { class: "controls", role: "search" });
  const tableBox = h("div", { class: "table-box" });
  const changesBox = h("div", {});
  const blixard = h("div", {});
  fill(
    ctx.main,
    h("p", {}, ctx.credential.kind === "token" ? h("a", { href: "#/" }, "← Services") : null),
    h("h1", {}, service),
    state.el,
    summary,
    controls,
    tableBox,
    blixard,
    h(
      "section",
      { "aria-labelledby": "seen-h" },
      h("h2", { id: "seen-h" }, "Changes seen while open"),
      changesBox,
    ),
    linksSection(ctx, service),
  );

  // Made once: redrawn on every answer, they would lose the focus and what is being typed.
  const text = h("input", {
    type: "search",
    placeholder: "id, address, tag, metadata…",
    "aria-label": "Filter instances",
  });
  text.addEventListener("input", () => {
    filter = { ...filter, text: text.value };
    drawTable();
  });
  const tagSelect = select("Tag", [["", "any"]], "", (v) => {
    filter = { ...filter, tag: v };
    drawTable();
  });
  let tagsShown = "";
  const drawTags = () => {
    const tags = allTags(instances);
    if (filter.tag && !tags.includes(filter.tag)) tags.unshift(filter.tag);
    if (tags.join("\n") === tagsShown) return;
    tagsShown = tags.join("\n");
    const el = tagSelect.querySelector("select") as HTMLSelectElement;
    el.replaceChildren(
      ...[["", "any"], ...tags.map((t) => [t, t])].map(([v, label]) => {
        const o = h("option", { value: v }, label);
        o.selected = v === filter.tag;
        return o;
      }),
    );
  };
  fill(
    controls,
    h("label", {}, "Filter ", text),
    tagSelect,
    select(
      "Status",
      [["any", "any"], ...STATUSES.map((s): [string, string] => [s, s])],
      "any",
      (v) => {
        filter = { ...filter, status: v as InstanceFilter["status"] };
        drawTable();
      },
    ),
  );

  const header = () =>
    h(
      "tr",
      {},
      ...COLUMNS.map(([label, key]) => {
        if (!key) return h("th", { scope: "col" }, label);
        const active = key === sortKey;
        return h(
          "th",
          { scope: "col", "aria-sort": active ? direction : "none" },
          h(
            "button",
            {
              type: "button",
              class: "sort",
              "data-sort": key,
              onclick: () => {
                direction = active && direction === "ascending" ? "descending" : "ascending";
                sortKey = key;
                drawTable();
              },
            },
            label,
            active ? (direction === "ascending" ? " ▲" : " ▼") : "",
          ),
        );
      }),
    );

  const drawTable = () => {
    if (!loaded) return;
    const shown = sortInstances(filterInstances(instances, filter), sortKey, direction);
    // Sort buttons are redrawn with the table: keep the keyboard where it was.
    const focusedSort = document.activeElement?.getAttribute("data-sort");
    const nowMs = ctx.now();
    fill(
      tableBox,
      h(
        "table",
        { class: "instances" },
        h("caption", { class: "sr-only" }, `Live instances of ${service}`),
        h("thead", {}, header()),
        h("tbody", {}, ...shown.map((i) => instanceRow(i, nowMs, ctx.config.dns.zone))),
      ),
      shown.length === 0
        ? h(
            "p",
            { class: "empty" },
            instances.length ? "No instance matches the filter." : "No live instance.",
          )
        : null,
    );
    if (focusedSort)
      tableBox.querySelector<HTMLElement>(`button[data-sort="${focusedSort}"]`)?.focus();
  };

  const drawLinks = () => {
    const joins = instances
      .map((i) => registryJsonLink(location.origin, i))
      .filter((l) => l !== undefined);
    fill(
      blixard,
      joins.length
        ? h(
            "section",
            {},
            h("h2", {}, "Blixard nodes: registry.json"),
            h("ul", { class: "links" }, ...joins),
          )
        : null,
    );
  };

  const path = `/v1/services/${service}/instances`;
  return follow<{ instances: Instance[] }>({
    path,
    credential: ctx.credential,
    live: ctx.config.live,
    onData: (body, answer) => {
      ctx.noteSkew(answer.skewMs);
      if (loaded)
        seen = mergeChanges(
          diffInstances(
            instances,
            body.instances,
            new Date(ctx.now()).toISOString().replace(/\.\d+Z$/, "Z"),
          ),
          seen,
        );
      instances = body.instances;
      loaded = true;
      const c = { passing: 0, warning: 0, critical: 0 };
      for (const i of instances) c[i.status]++;
      summary.textContent = `${instances.length} live instance${instances.length === 1 ? "" : "s"}: ${countsLine(c)}`;
      drawTags();
      drawTable();
      drawLinks();
      fill(changesBox, changesList(seen, ctx.now()));
      state.ok(ctx);
    },
    onError: (err, retrying) => {
      state.fail(explain(ctx, err, retrying));
      if (!retrying) {
        instances = [];
        fill(tableBox);
      }
    },
  });
};
