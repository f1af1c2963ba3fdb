import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lambdaApi } from "../../shared/compose/lambda-api.js";
import { FORMATS } from "../../shared/formats/registry.js";
import { UI_CSP } from "../../shared/http/routes/ui.js";
import { silentLogger } from "../../shared/logging.js";
import { Env } from "../../shared/settings/names.js";
import { buildUi, writeUi } from "../../ui/build.mjs";
import { engine } from "../engines/index.js";
import { testRegistry } from "../support/registry.js";

/** The budget for everything the page loads, gzipped. */
const MAX_GZIPPED_BYTES = 100 * 1024;

const configOf = (html: string) => {
  const m = /<meta name="muster-config" content="([^"]*)">/.exec(html);
  const attr = (m?.[1] ?? "")
    .replaceAll("&quot;", '"')
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
  return JSON.parse(attr);
};

describe("the web UI's files", () => {
  let files: Map<string, Uint8Array>;
  beforeAll(async () => {
    files = await buildUi();
  });

  it("are one page, one script, one stylesheet and an icon, within 100 KB gzipped, with no other origin in them", () => {
    const names = [...files.keys()].sort();
    expect(names).toHaveLength(4);
    expect(names).toContain("index.html");
    expect(names.filter((n) => /^app\.[A-Z0-9]+\.js$/.test(n))).toHaveLength(1);
    expect(names.filter((n) => /^style\.[A-Z0-9]+\.css$/.test(n))).toHaveLength(1);
    let gzipped = 0;
    for (const [name, bytes] of files) {
      gzipped += gzipSync(bytes).length;
      const text = new TextDecoder().decode(bytes);
      // No code, style, font or image from anywhere else: nothing names another origin.
      expect(
        text.match(/(?:https?:\/\/|["'(]\/\/)[a-z0-9-]+(?:\.[a-z0-9-]+)+/gi) ?? [],
        name,
      ).toEqual(name.endsWith(".svg") ? ["http://www.w3.org"] : []);
      expect(text, name).not.toMatch(/@import|@font-face|url\(/);
    }
    console.log(`web UI: ${files.size} files, ${gzipped} bytes gzipped`);
    expect(gzipped).toBeLessThanOrEqual(MAX_GZIPPED_BYTES);
    const html = new TextDecoder().decode(files.get("index.html"));
    // No inline script or style: every script has a src, no element a style attribute.
    expect(html.match(/<script[^>]*>/g)).toEqual([
      expect.stringMatching(/ src="\/ui\/app\.[A-Z0-9]+\.js"/),
    ]);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/);
  });

  it("are served at /ui with a strict CSP, revalidated page, year-long assets, gzip and 304", async () => {
    const r = await testRegistry(engine("sqlite"), { ui: { files }, maxWaitSeconds: 300 });
    for (const path of ["/ui", "/ui/", "/ui/index.html"]) {
      const res = await r.app.request(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-security-policy")).toBe(UI_CSP);
      expect(UI_CSP).toContain("default-src 'self'");
      expect(UI_CSP).not.toContain("unsafe-inline");
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
    const page = await r.app.request("/ui");
    const html = await page.text();
    const config = configOf(html);
    // Local mode's feed wakes waiting reads: the page waits instead of polling.
    expect(config.live).toEqual({ mode: "wait", seconds: 25 });
    expect(config.formats.map((f: { name: string }) => f.name)).toEqual(FORMATS.map((f) => f.name));
    expect(config.dns).toEqual({ zone: "muster.internal", irohService: null });
    const etag = page.headers.get("etag") as string;
    expect((await r.app.request("/ui", { headers: { "If-None-Match": etag } })).status).toBe(304);

    const script = /src="\/ui\/(app\.[A-Z0-9]+\.js)"/.exec(html)?.[1] as string;
    const js = await r.app.request(`/ui/${script}`, { headers: { "Accept-Encoding": "gzip" } });
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(js.headers.get("content-encoding")).toBe("gzip");
    expect(js.headers.get("content-security-policy")).toBe(UI_CSP);
    expect(gunzipSync(Buffer.from(await js.arrayBuffer()))).toEqual(
      Buffer.from(files.get(script) as Uint8Array),
    );

    const missing = await r.app.request("/ui/app.js");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("not_found");
    // The files need no token; the data does.
    expect((await r.app.request("/v1/services")).status).toBe(401);
  });

  it("tell the page to poll at the configured interval where reads are not woken in process", async () => {
    const r = await testRegistry(engine("sqlite"), { ui: { files, pollSeconds: 7 } });
    const config = configOf(await (await r.app.request("/ui")).text());
    expect(config.live).toEqual({ mode: "poll", seconds: 7 });
    const none = await testRegistry(engine("sqlite"));
    expect((await none.app.request("/ui")).status).toBe(404);
  });
});

describe("the web UI on Lambda", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "muster-ui-lambda-"));
    await writeUi(join(dir, "ui"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("is read from the folder beside the bundle, polling at MUSTER_UI_POLL_SECONDS", async () => {
    const env = {
      [Env.MUSTER_TABLE]: "ui-test",
      [Env.MUSTER_TOKENS]: "ui-lambda-token-0123456789",
      [Env.MUSTER_UI_POLL_SECONDS]: "15",
    };
    const onEvent = () => {};
    const app = lambdaApi(env, { logger: silentLogger, onEvent, uiDir: join(dir, "ui") });
    const res = await app.request("/ui");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe(UI_CSP);
    expect(configOf(await res.text()).live).toEqual({ mode: "poll", seconds: 15 });
    const without = lambdaApi(env, { logger: silentLogger, onEvent, uiDir: join(dir, "nothing") });
    const refused = await without.request("/ui");
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      "ui_unavailable",
    );
  });
});
