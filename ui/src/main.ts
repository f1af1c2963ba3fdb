import type { ViewContext } from "./context.js";
import { fill, h } from "./dom.js";
import { parseCredential } from "./logic/credential.js";
import { duration, leaseLeft, relativeTime } from "./logic/format.js";
import { clearCredential, loadCredential, saveCredential } from "./session.js";
import type { PageConfig } from "./types.js";
import { changesView } from "./views/changes.js";
import { serviceView } from "./views/service.js";
import { servicesView } from "./views/services.js";
import { signInView } from "./views/sign-in.js";

const config = JSON.parse(
  document.querySelector<HTMLMetaElement>('meta[name="muster-config"]')?.content ?? "{}",
) as PageConfig;
const main = document.getElementById("main") as HTMLElement;
const nav = document.getElementById("nav") as HTMLElement;
let skewMs = 0;
let stopView: (() => void) | undefined;
let signedOutReason: string | undefined;

const now = () => Date.now() + skewMs;

/**
 * A presigned link may arrive as `/ui/#open=<its URL>`: taken into the session and wiped from
 * the address bar and its history entry at once.
 */
function takeOpenLink(): void {
  const m = /^#open=(.+)$/.exec(location.hash);
  if (!m?.[1]) return;
  const parsed = parseCredential(decodeURIComponent(m[1]), location.origin);
  // A token never travels in a URL: a link that carries one is refused, and wiped all the same.
  if ("error" in parsed || parsed.kind === "token") {
    const why = "error" in parsed ? parsed.error : "a link opens a presigned URL, never a token";
    signedOutReason = `That link cannot be used: ${why}`;
    history.replaceState(null, "", "#/");
    return;
  }
  saveCredential(parsed);
  history.replaceState(null, "", `#/service/${parsed.service}`);
}

function signOut(reason?: string): void {
  clearCredential();
  signedOutReason = reason;
  if (location.hash !== "#/") history.replaceState(null, "", "#/");
  route();
}

function drawNav(): void {
  const credential = loadCredential();
  if (!credential) {
    fill(nav);
    return;
  }
  const out = h("button", { type: "button", class: "link" }, "Sign out");
  out.addEventListener("click", () => signOut());
  fill(
    nav,
    credential.kind === "token"
      ? h(
          "span",
          {},
          h("a", { href: "#/" }, "Services"),
          " ",
          h("a", { href: "#/changes" }, "Changes"),
        )
      : h(
          "span",
          { class: "muted" },
          `Presigned link: ${credential.service}, until ${new Date(credential.expires).toLocaleString()}`,
        ),
    " ",
    out,
  );
}

function route(): void {
  stopView?.();
  stopView = undefined;
  const credential = loadCredential();
  drawNav();
  if (!credential) {
    document.title = "Sign in · muster";
    signInView(main, signedOutReason, (c) => {
      saveCredential(c);
      signedOutReason = undefined;
      const target = c.kind === "presigned" ? `#/service/${c.service}` : "#/";
      if (location.hash === target) route();
      else location.hash = target;
    });
    return;
  }
  const ctx: ViewContext = {
    config,
    credential,
    main,
    now,
    noteSkew: (s) => (skewMs = s),
    signOut,
  };
  const [, page = "", param = ""] = /^#\/([a-z]*)\/?(.*)$/.exec(location.hash) ?? [];
  // A presigned link reads one service's /instances and nothing else.
  if (credential.kind === "presigned") {
    if (page !== "service" || param !== credential.service) {
      history.replaceState(null, "", `#/service/${credential.service}`);
    }
    document.title = `${credential.service} · muster`;
    stopView = serviceView(ctx, credential.service);
  } else if (page === "service" && /^[a-z0-9-]{1,63}$/.test(param)) {
    document.title = `${param} · muster`;
    stopView = serviceView(ctx, param);
  } else if (page === "changes") {
    document.title = "Changes · muster";
    stopView = changesView(ctx, "");
  } else {
    document.title = "Services · muster";
    stopView = servicesView(ctx, "");
  }
  main.focus({ preventScroll: true });
}

/** Once a second: relative times and lease bars move on without a request. */
function tick(): void {
  const t = now();
  for (const el of document.querySelectorAll<HTMLElement>("[data-ago]")) {
    el.textContent = relativeTime(Number(el.dataset.ago), t);
  }
  for (const el of document.querySelectorAll<HTMLElement>("[data-expires]")) {
    const left = leaseLeft(
      { expires_at: el.dataset.expires ?? "", last_seen: el.dataset.start ?? "" },
      t,
    );
    const bar = el.querySelector("progress");
    if (bar) bar.value = left.fraction;
    const text = el.querySelector(".lease-text");
    if (text) text.textContent = duration(left.seconds);
  }
}

takeOpenLink();
window.addEventListener("hashchange", route);
setInterval(tick, 1000);
route();
