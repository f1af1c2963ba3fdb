import { get } from "../api.js";
import { explain, statusLine, type View } from "../context.js";
import { fill, h, timeAgo } from "../dom.js";
import { follow } from "../live.js";
import { relativeTime, sourcesByCount } from "../logic/format.js";
import type { ChangesAnswer, ServiceEntry } from "../types.js";

function counts(s: ServiceEntry) {
  return h(
    "span",
    { class: "counts" },
    ...(["passing", "warning", "critical"] as const).map((k) =>
      h("span", { class: `badge ${k}${s[k] ? "" : " zero"}`, title: k }, `${s[k]} ${k}`),
    ),
  );
}

function sources(s: ServiceEntry) {
  return h(
    "span",
    { class: "sources" },
    ...sourcesByCount(s.sources).map(([name, n]) =>
      h("span", { class: "chip", "data-source": name }, `${name} ${n}`),
    ),
  );
}

function table(list: ServiceEntry[], nowMs: number): HTMLElement {
  if (list.length === 0) {
    return h("p", { class: "empty" }, "No service this credential may read has a live instance.");
  }
  const th = (text: string) => h("th", { scope: "col" }, text);
  return h(
    "table",
    { class: "services" },
    h("caption", { class: "sr-only" }, "Services with live instances"),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        th("Service"),
        th("Instances"),
        th("Status"),
        th("Sources"),
        th("Public"),
        th("Last change"),
      ),
    ),
    h(
      "tbody",
      {},
      ...list.map((s) =>
        h(
          "tr",
          { "data-service": s.name },
          h(
            "th",
            { scope: "row", "data-label": "Service" },
            h("a", { href: `#/service/${s.name}` }, s.name),
          ),
          h("td", { "data-label": "Instances", class: "num" }, s.instances),
          h("td", { "data-label": "Status" }, counts(s)),
          h("td", { "data-label": "Sources" }, sources(s)),
          h(
            "td",
            { "data-label": "Public" },
            s.public ? "public" : h("span", { class: "muted" }, "token"),
          ),
          h("td", { "data-label": "Last change" }, timeAgo(s.last_change, nowMs, relativeTime)),
        ),
      ),
    ),
  );
}

/**
 * Every service the credential may read. In local mode it waits on the change feed
 * (`/v1/changes?wait=`) and reads the list again after each change; elsewhere it polls the
 * list itself with If-None-Match.
 */
export const servicesView: View = (ctx) => {
  const state = statusLine();
  const body = h("div", {});
  fill(ctx.main, h("h1", {}, "Services"), state.el, body);
  let etag: string | undefined;
  const show = (list: ServiceEntry[]) => {
    fill(body, table(list, ctx.now()));
    state.ok(ctx);
  };
  const onError = (err: unknown, retrying: boolean) => state.fail(explain(ctx, err, retrying));
  if (ctx.config.live.mode === "poll") {
    return follow<{ services: ServiceEntry[] }>({
      path: "/v1/services",
      credential: ctx.credential,
      live: ctx.config.live,
      onData: (b, a) => {
        ctx.noteSkew(a.skewMs);
        show(b.services);
      },
      onError,
    });
  }
  // Local mode: any change ends the wait on the feed; then the list is read again.
  return follow<ChangesAnswer>({
    path: "/v1/changes?limit=1",
    credential: ctx.credential,
    live: ctx.config.live,
    onData: async () => {
      try {
        const a = await get<{ services: ServiceEntry[] }>("/v1/services", ctx.credential, { etag });
        ctx.noteSkew(a.skewMs);
        if (a.body) {
          etag = a.etag;
          show(a.body.services);
        } else state.ok(ctx);
      } catch (err) {
        onError(err, true);
      }
    },
    onError,
  });
};
