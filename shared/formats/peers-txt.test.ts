import { describe, expect, it } from "vitest";
import { parsePeersTxt } from "./peers-txt.js";

describe("parsePeersTxt", () => {
  it("reads one host:port a line, skipping blanks and comments, whatever the line ends", () => {
    expect(parsePeersTxt("10.0.0.1:1\r\n\n# seed list\n  [::1]:2  \nhost:3")).toEqual([
      "10.0.0.1:1",
      "[::1]:2",
      "host:3",
    ]);
    expect(parsePeersTxt("")).toEqual([]);
  });
});
