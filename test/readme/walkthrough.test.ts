import { describe, expect, it } from "vitest";
import { missingLine, outputPattern, walkthrough } from "../support/walkthrough.js";

const README = [
  "## Start",
  "",
  "Run it:",
  "",
  "```sh",
  "npm start",
  "```",
  "",
  "```",
  "… listening on http://127.0.0.1:8787",
  "```",
  "",
  "Stop it (Ctrl-C), then:",
  "",
  "```sh",
  "curl -s -X POST x \\",
  "  -d '{\"a\": 1}'",
  '# {"ok":…}',
  "echo two",
  "```",
  "",
  "Saved as `p.yml`:",
  "",
  "```yaml",
  "a: 1",
  "```",
  "## End",
].join("\n");

describe("the README walk-through's reader", () => {
  it("reads commands with their output lines, output blocks, files, and the prose before each", () => {
    const steps = walkthrough(README, "## Start", "## End");
    expect(steps).toEqual([
      { kind: "sh", commands: [{ text: "npm start", expect: [] }], prose: "Run it:" },
      { kind: "output", lines: ["… listening on http://127.0.0.1:8787"], prose: "" },
      {
        kind: "sh",
        commands: [
          { text: "curl -s -X POST x   -d '{\"a\": 1}'", expect: ['{"ok":…}'] },
          { text: "echo two", expect: [] },
        ],
        prose: "Stop it (Ctrl-C), then:",
      },
      { kind: "file", text: "a: 1\n", prose: "Saved as `p.yml`:" },
    ]);
  });

  it("matches output lines in order, … standing for anything and nothing else special", () => {
    expect(outputPattern("a.b (c) …").test("a.b (c) anything")).toBe(true);
    expect(outputPattern("a.b").test("axb")).toBe(false);
    const output = "npm banner\nfirst line\nnoise\nsecond 42\n";
    expect(missingLine(["first line", "second …"], output)).toBeUndefined();
    expect(missingLine(["second …", "first line"], output)).toBe("first line");
    expect(missingLine(["third"], output)).toBe("third");
  });
});
