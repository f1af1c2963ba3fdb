import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import type { DamagedRecord } from "../../shared/store/decode-record.js";
import { DamagedDatabaseError, openSqlite } from "../../shared/store/sqlite/index.js";
import { instanceFields } from "../support/instances.js";

const NOW = Date.UTC(2026, 0, 1);

/** A file holding web/node-1..3 and a token, closed (so all of it is in the main file, not the WAL). */
async function fileWithThree(dir: string): Promise<string> {
  const path = join(dir, "muster.db");
  const registry = openSqlite(path, { sweepIntervalMs: 0 });
  for (const n of [1, 2, 3]) {
    const result = await registry.store.heartbeat({
      service: "web",
      id: `node-${n}`,
      fields: instanceFields({ address: `10.0.0.${n}:7001`, metadata: { marker: `mark-${n}-` } }),
      ttl: 3600,
      owner: "tok_0123456789abcdef",
      source: "heartbeat",
      nowMs: NOW,
    });
    expect(result.kind).toBe("created");
  }
  await registry.tokens.put({
    hash: "ab".repeat(32),
    name: "reader",
    role: "read",
    services: ["web"],
    fingerprint: "tok_aaaaaaaaaaaaaaaa",
    created_at: NOW,
    created_by: "tok_0123456789abcdef",
  });
  registry.close();
  return path;
}

/** Writes `bytes` over the file where `marker` is, `offset` bytes into it. */
function damage(path: string, marker: string, bytes: Buffer, offset = 0): void {
  const file = readFileSync(path);
  const at = file.indexOf(marker);
  expect(at, `${marker} in the file`).toBeGreaterThan(0);
  bytes.copy(file, at + offset);
  writeFileSync(path, file);
}

function rowsIn(path: string, table: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe("a record that does not decode is quarantined, not a 500 for its service (real SQLite file, damaged on disk)", () => {
  const dirs: string[] = [];
  const tmp = () => {
    const dir = mkdtempSync(join(tmpdir(), "muster-damaged-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("one byte of an item's JSON: left out of every read, reported once, deleted by the next write", async () => {
    const path = await fileWithThree(tmp());
    // A control character inside a JSON string: "Bad control character in string literal".
    damage(path, "mark-2-", Buffer.from([0x01]), 5);
    const told: DamagedRecord[] = [];
    const registry = openSqlite(path, { sweepIntervalMs: 0, onDamaged: (r) => told.push(r) });
    try {
      const listed = await registry.store.list("web", NOW);
      expect(listed.map((i) => i.id)).toEqual(["node-1", "node-3"]);
      // Read again, by every path: still left out, not told twice.
      expect(await registry.store.get("web", "node-2", NOW)).toBeUndefined();
      const page = await registry.store.listPage("web", NOW, { limit: 10 });
      expect(page.instances.map((i) => i.id)).toEqual(["node-1", "node-3"]);
      expect(told).toEqual([
        {
          kind: "instance",
          key: "web/node-2",
          reason: expect.stringMatching(/control character/i),
        },
      ]);
      // The deletion was queued with the first read: it joins the next write transaction.
      expect(await registry.store.sweep(NOW)).toBe(0);
      expect(rowsIn(path, "instances")).toBe(2);
      // Its owner's next heartbeat registers it afresh.
      const again = await registry.store.heartbeat({
        service: "web",
        id: "node-2",
        fields: instanceFields({ address: "10.0.0.2:7001" }),
        ttl: 3600,
        owner: "tok_0123456789abcdef",
        source: "heartbeat",
        nowMs: NOW + 1000,
      });
      expect(again.kind).toBe("created");
      expect((await registry.store.list("web", NOW + 1000)).map((i) => i.id)).toEqual([
        "node-1",
        "node-2",
        "node-3",
      ]);
    } finally {
      registry.close();
    }
  });

  it("the start-up check reads every row and says how many it quarantined, tokens too", async () => {
    const path = await fileWithThree(tmp());
    damage(path, "mark-1-", Buffer.from("\u0002"), 2);
    damage(path, '"fingerprint":"tok_aaaa', Buffer.from([0x7f, 0x01]), 3);
    const told: DamagedRecord[] = [];
    const registry = openSqlite(path, { sweepIntervalMs: 0, onDamaged: (r) => told.push(r) });
    try {
      expect(await registry.checkRecords()).toBe(2);
      expect(told.map((r) => `${r.kind} ${r.key}`).sort()).toEqual([
        "instance web/node-1",
        `token ${"ab".repeat(8)}`,
      ]);
      expect(await registry.tokens.get("ab".repeat(32))).toBeUndefined();
      expect(await registry.tokens.list()).toEqual([]);
      expect((await registry.store.list("web", NOW)).map((i) => i.id)).toEqual([
        "node-2",
        "node-3",
      ]);
    } finally {
      registry.close();
    }
    expect(rowsIn(path, "instances")).toBe(2);
    expect(rowsIn(path, "tokens")).toBe(0);
  });

  it("8 bytes anywhere in an item: refused as damaged at open, or served without that record — never a failed read", async () => {
    let refused = 0;
    let quarantined = 0;
    for (let offset = -40; offset <= 40; offset += 8) {
      const path = await fileWithThree(tmp());
      damage(
        path,
        "mark-2-",
        Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x22, 0x5c, 0x7b]),
        offset,
      );
      let registry: ReturnType<typeof openSqlite>;
      try {
        registry = openSqlite(path, { sweepIntervalMs: 0 });
      } catch (err) {
        expect(err).toBeInstanceOf(DamagedDatabaseError);
        refused++;
        continue;
      }
      try {
        quarantined += await registry.checkRecords();
        const listed = await registry.store.list("web", NOW);
        expect(listed.length).toBeGreaterThanOrEqual(2);
      } finally {
        registry.close();
      }
    }
    // Every window holds a NUL, which no JSON may carry raw: each damage is seen, one way or the other.
    expect(refused + quarantined).toBe(11);
  });
});
