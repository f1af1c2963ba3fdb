import { Refused } from "./api.js";
import { h } from "./dom.js";
import type { Credential } from "./logic/credential.js";
import type { PageConfig } from "./types.js";

/** What every view is given. */
export interface ViewContext {
  config: PageConfig;
  credential: Credential;
  /** Where the view draws. */
  main: HTMLElement;
  /** The server's clock, as far as the last answer's Date header tells it. */
  now(): number;
  noteSkew(skewMs: number): void;
  /** Back to sign-in, saying why. */
  signOut(reason?: string): void;
}

/** A view draws into ctx.main and returns what stops it (its followers, its timers). */
export type View = (ctx: ViewContext, param: string) => () => void;

/**
 * What a failed read means to the person looking: a 401 (or an expired presigned URL) signs out
 * with the registry's reason;
 * anything else is said where the view shows its state.
 */
export function explain(ctx: ViewContext, err: unknown, retrying: boolean): string {
  if (err instanceof Refused) {
    // No longer a credential at all: a refused token, a presigned URL past its expiry.
    if (err.status === 401 || err.code === "url_expired") {
      ctx.signOut(`Signed out: ${err.message} (${err.code})`);
      return err.message;
    }
    return `${retrying ? "Retrying: " : "Refused: "}${err.message} (${err.status} ${err.code})`;
  }
  return `Retrying: the registry cannot be reached (${err instanceof Error ? err.message : String(err)})`;
}

/** The line under a heading that says whether what is shown is current. */
export function statusLine(): {
  el: HTMLElement;
  ok(ctx: ViewContext): void;
  fail(text: string): void;
} {
  const el = h("p", { class: "state", role: "status", "aria-live": "polite" }, "Loading…");
  return {
    el,
    ok(ctx) {
      const how = ctx.config.live.mode === "wait" ? "live" : `every ${ctx.config.live.seconds} s`;
      el.className = "state";
      el.textContent = `Up to date (${how}) · ${new Date(ctx.now()).toLocaleTimeString()}`;
    },
    fail(text) {
      el.className = "state error";
      el.textContent = text;
    },
  };
}
