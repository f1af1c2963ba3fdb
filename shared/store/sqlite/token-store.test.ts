import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { openSqlite } from "./index.js";

describe("SqliteTokenStore", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("reads a token row written before items lost their DynamoDB keys, by its hash column", async () => {
    const dir = mkdtempSync(join(tmpdir(), "muster-tokens-"));
    dirs.push(dir);
    const path = join(dir, "muster.db");
    const hash = "ab".repeat(32);
    openSqlite(path, { sweepIntervalMs: 0 }).close();
    // The row as the previous version wrote it: the item's JSON carried pk and sk.
    const old = {
      pk: "token",
      sk: hash,
      name: "web",
      role: "register" as const,
      services: ["web-*"],
      fingerprint: "tok_0123456789abcdef",
      created_at: 1_700_000_000_000,
      created_by: "tok_fedcba9876543210",
    };
    const db = new DatabaseSync(path);
    db.prepare("INSERT INTO tokens (hash, expires_at, item) VALUES (?, ?, ?)").run(
      hash,
      null,
      JSON.stringify(old),
    );
    db.close();

    const registry = openSqlite(path, { sweepIntervalMs: 0 });
    try {
      const { pk: _pk, sk: _sk, ...rest } = old;
      const expected = { ...rest, hash };
      expect(await registry.tokens.get(hash)).toEqual(expected);
      expect(await registry.tokens.list(hash.slice(0, 16))).toEqual([expected]);
      // A token written now round-trips the same way, its hash from the key column.
      const fresh = { ...expected, hash: "cd".repeat(32), name: "api" };
      await registry.tokens.put(fresh);
      expect(await registry.tokens.get(fresh.hash)).toEqual(fresh);
    } finally {
      registry.close();
    }
  });
});
