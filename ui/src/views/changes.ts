import { explain, statusLine, type View } from "../context.js";
import { fill, h, timeAgo } from "../dom.js";
import { follow } from "../live.js";
import { describeChange } from "../logic/diff.js";
import { relativeTime } from "../logic/format.js";
import type { ChangesAnswer } from "../types.js";

/**
 * The recent joins, leaves and status changes of every service the credential may read,
 * newest first: local mode's change log, or on Lambda the joins the table holds.
 */
export const changesView: View = (ctx) => {
  const state = statusLine();
  const note = h("p", { class: "note" });
  const list = h("div", {});
  fill(ctx.main, h("h1", {}, "Changes"), state.el, note, list);
  return follow<ChangesAnswer>({
    path: "/v1/changes?limit=200",
    credential: ctx.credential,
    live: ctx.config.live,
    onData: (body, answer) => {
      ctx.noteSkew(answer.skewMs);
      note.textContent = body.kinds.includes("left")
        ? "Joins, leaves and status changes since the registry started."
        : "This registry keeps its current members only (on AWS, the table): these are their joins. A service's page shows the leaves and status changes it sees while open.";
      const nowMs = ctx.now();
      fill(
        list,
        body.changes.length === 0
          ? h("p", { class: "empty" }, "No change yet.")
          : h(
              "table",
              { class: "changes" },
              h("caption", { class: "sr-only" }, "Recent changes, newest first"),
              h(
                "thead",
                {},
                h(
                  "tr",
                  {},
                  ...["When", "Service", "Instance", "Change", "Source", "Address"].map((t) =>
                    h("th", { scope: "col" }, t),
                  ),
                ),
              ),
              h(
                "tbody",
                {},
                ...body.changes.map((c) =>
                  h(
                    "tr",
                    { class: `change ${c.change}` },
                    h("td", { "data-label": "When" }, timeAgo(c.at, nowMs, relativeTime)),
                    h(
                      "td",
                      { "data-label": "Service" },
                      h("a", { href: `#/service/${c.service}` }, c.service),
                    ),
                    h("th", { scope: "row", "data-label": "Instance" }, h("code", {}, c.id)),
                    h(
                      "td",
                      { "data-label": "Change" },
                      h(
                        "span",
                        { class: `badge ${c.change === "status" ? (c.status ?? "") : c.change}` },
                        describeChange(c),
                      ),
                    ),
                    h("td", { "data-label": "Source" }, c.source ?? "—"),
                    h(
                      "td",
                      { "data-label": "Address" },
                      c.address ? h("code", {}, c.address) : "—",
                    ),
                  ),
                ),
              ),
            ),
      );
      state.ok(ctx);
    },
    onError: (err, retrying) => state.fail(explain(ctx, err, retrying)),
  });
};
