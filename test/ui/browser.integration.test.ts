import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { irohNodeId } from "../support/iroh-keys.js";
import { type LocalServer, startLocal, stopLocal } from "../support/local-server.js";
import { type Browser, launchBrowser } from "./browser.js";

const ADMIN = "ui-admin-token-0123456789abcdef";
const IMAGES = fileURLToPath(new URL("../../docs/images/", import.meta.url));
/** The bound for a change to show: generous for a loaded machine, polled, not slept. */
const SHOWS_WITHIN_MS = 2000;

/** Resolves once `selector` matches `count` elements, or fails at the deadline. */
async function countWithin(page: Page, selector: string, count: number, ms: number) {
  const deadline = Date.now() + ms;
  let n = -1;
  while (Date.now() < deadline) {
    n = await page.locator(selector).count();
    if (n === count) return;
    await page.waitForTimeout(50);
  }
  throw new Error(`${selector}: ${n} element(s) after ${ms} ms, expected ${count}`);
}

describe("the web UI in Chromium, against muster serve", () => {
  let dir: string;
  let server: LocalServer;
  let browser: Browser;
  const api = (path: string, init: RequestInit = {}, token = ADMIN) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: {
        Authorization: `Bearer ${token}`,
        "Content-Type": "application/json",
        ...init.headers,
      },
    });
  const beat = async (service: string, body: Record<string, unknown>, token = ADMIN) => {
    const res = await api(
      `/v1/services/${service}/heartbeats`,
      { method: "POST", body: JSON.stringify({ ttl: 600, ...body }) },
      token,
    );
    expect(res.status, await res.clone().text()).toBeLessThan(300);
  };
  const mint = async (body: Record<string, unknown>) => {
    const res = await api("/v1/admin/tokens", { method: "POST", body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return (await res.json()) as { token: string; id: string };
  };
  const signIn = async (page: Page, credential: string) => {
    await page.goto(`${server.url}/ui`);
    await page.locator("#credential").fill(credential);
    // The keyboard alone signs in.
    await page.locator("#credential").press("Enter");
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "muster-ui-"));
    server = await startLocal({
      MUSTER_DATA_DIR: dir,
      MUSTER_TOKENS: ADMIN,
      // Revocation reaches the page's next request at once.
      MUSTER_TOKEN_CACHE_SECONDS: "0",
    });
    await beat("web", {
      id: "web-1",
      address: "10.0.0.5:8080",
      tags: ["eu", "ssd"],
      metadata: { rack: "r1", zone: "eu-west-1a" },
      version: "1.4.2",
    });
    await beat("web", {
      id: "web-2",
      address: "10.0.0.6:8080",
      tags: ["eu"],
      status: "warning",
      ttl: 120,
    });
    await beat("web", {
      id: "node-7",
      address: "10.0.0.7:7001",
      cluster_node_id: 7,
      iroh_node_id: irohNodeId(7),
      direct_addresses: ["10.0.0.7:7001"],
      tags: ["blixard"],
    });
    await beat("other", { id: "other-1", address: "10.0.1.1:9000" });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    if (server) await stopLocal(server);
    await rm(dir, { recursive: true, force: true });
  });

  it("signs in with a token, lists services with their counts, and follows a service live", async () => {
    // `npm start` (this same command) says where the UI is.
    expect(server.stderr()).toContain(`web UI: ${server.url}/ui`);
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(String(e)));
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) problems.push(m.text());
    });
    await signIn(page, ADMIN);

    const web = page.locator('tr[data-service="web"]');
    await web.waitFor();
    await expect.poll(() => web.textContent()).toContain("3");
    const row = (await web.textContent()) ?? "";
    expect(row).toContain("2 passing");
    expect(row).toContain("1 warning");
    expect(row).toContain("heartbeat 3");
    expect(await page.locator('tr[data-service="other"]').count()).toBe(1);

    await web.locator("a").click();
    await page.locator('tr[data-id="web-1"]').waitFor();
    expect(await page.locator("table.instances tbody tr").count()).toBe(3);
    const blixard = (await page.locator('tr[data-id="node-7"]').textContent()) ?? "";
    expect(blixard).toContain("Blixard node7");
    // The files the format registry serves, as copyable URLs.
    const links = await page
      .locator(".links input")
      .evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    expect(links).toContain(`${server.url}/v1/services/web/peers.json`);
    expect(links).toContain(`${server.url}/v1/services/web/peers.txt`);
    expect(links).toContain(`${server.url}/v1/services/web/srv`);
    expect(links).toContain(`${server.url}/v1/services/web/stellar/peers.json`);
    expect(links).toContain("_web._tcp.muster.internal");

    // Filter by text, tag and status; sort by a column, by keyboard.
    await page.getByLabel("Filter instances").fill("rack=r1");
    await countWithin(page, "table.instances tbody tr", 1, SHOWS_WITHIN_MS);
    await page.getByLabel("Filter instances").fill("");
    await page.locator("select[aria-label=Status]").selectOption("warning");
    await countWithin(page, "table.instances tbody tr", 1, SHOWS_WITHIN_MS);
    await page.locator("select[aria-label=Status]").selectOption("any");
    await page.locator("select[aria-label=Tag]").selectOption("blixard");
    await countWithin(page, "table.instances tbody tr", 1, SHOWS_WITHIN_MS);
    await page.locator("select[aria-label=Tag]").selectOption("");
    await page.locator('button[data-sort="address"]').focus();
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter");
    const ids = await page
      .locator("table.instances tbody tr")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")));
    expect(ids).toEqual(["node-7", "web-2", "web-1"]);
    await page.locator('button[data-sort="id"]').click();

    // A heartbeat appears, and a deregistration disappears, within 2 s (blocking reads).
    await beat("web", { id: "web-3", address: "10.0.0.8:8080", tags: ["us"] });
    await countWithin(page, 'tr[data-id="web-3"]', 1, SHOWS_WITHIN_MS);
    expect((await api("/v1/services/web/instances/web-3", { method: "DELETE" })).status).toBe(204);
    await countWithin(page, 'tr[data-id="web-3"]', 0, SHOWS_WITHIN_MS);
    await expect.poll(() => page.locator("ol.changes").textContent()).toContain("left");

    // The screenshots in README.md and docs/ui.md: light, dark, phone width.
    await page.screenshot({ path: join(IMAGES, "ui-service-light.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(`${server.url}/ui#/`);
    await page.locator('tr[data-service="web"]').waitFor();
    await page.screenshot({ path: join(IMAGES, "ui-services-dark.png") });
    await page.emulateMedia({ colorScheme: "light" });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/ui#/service/web`);
    await page.locator('tr[data-id="web-1"]').waitFor();
    await page.screenshot({ path: join(IMAGES, "ui-service-phone.png") });
    await page.setViewportSize({ width: 1280, height: 860 });

    // The change log: the join and the leave above, newest first.
    await page.goto(`${server.url}/ui#/changes`);
    const first = page.locator("table.changes tbody tr").first();
    await first.waitFor();
    expect(await first.textContent()).toContain("web-3");
    expect(await first.textContent()).toContain("left (deregistered)");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows a scoped token nothing of another service, and signs out on a 401 with the reason", async () => {
    const scoped = await mint({ name: "other reader", role: "read", services: ["other"] });
    const page = await browser.context.newPage();
    await signIn(page, scoped.token);
    await page.locator('tr[data-service="other"]').waitFor();
    expect(await page.locator('tr[data-service="web"]').count()).toBe(0);
    await page.goto(`${server.url}/ui#/service/web`);
    await expect
      .poll(() => page.locator(".state").textContent())
      .toContain("not allowed to read service web");
    expect(await page.locator("table.instances tbody tr").count()).toBe(0);
    await page.goto(`${server.url}/ui#/changes`);
    await page.locator("table.changes").waitFor();
    expect(await page.locator("table.changes").textContent()).not.toContain("web");

    // Revoked while signed in: the next read is a 401, and the page says so at sign-in.
    expect((await api(`/v1/admin/tokens/${scoped.id}`, { method: "DELETE" })).status).toBe(204);
    await page.goto(`${server.url}/ui#/`);
    await expect
      .poll(() => page.locator("#sign-in-message").textContent())
      .toContain("invalid token");
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.close();
  });

  it("refuses a wrong token with its reason, and opens one service with a presigned URL", async () => {
    const page = await browser.context.newPage();
    await signIn(page, "mst_not-a-token-of-this-registry-000000000000");
    await expect
      .poll(() => page.locator("#sign-in-message").textContent())
      .toContain("Refused: invalid token (401 unauthorized)");
    expect(await page.locator("nav a").count()).toBe(0);

    const minted = await api("/v1/admin/presign", {
      method: "POST",
      body: JSON.stringify({ service: "web", file: "instances" }),
    });
    expect(minted.status).toBe(201);
    const { url } = (await minted.json()) as { url: string };
    await page.locator("#credential").fill(url);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator('tr[data-id="web-1"]').waitFor();
    expect(await page.locator("nav").textContent()).toContain("Presigned link: web");
    // Nothing else opens with it.
    await page.goto(`${server.url}/ui#/service/other`);
    await page.locator('tr[data-id="web-1"]').waitFor();
    expect(await page.locator('tr[data-id="other-1"]').count()).toBe(0);
    await page.close();
  });

  it("made no request to any origin but the registry's, and never put a credential in a URL", () => {
    const origin = new URL(server.url).origin;
    expect(browser.requests.length).toBeGreaterThan(10);
    expect(browser.requests.filter((u) => new URL(u).origin !== origin)).toEqual([]);
    expect(browser.requests.filter((u) => u.includes(ADMIN) || u.includes("mst_"))).toEqual([]);
  });
});
