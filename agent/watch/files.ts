import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { WatchFiles } from "../../shared/formats/format.js";
import { writeFileAtomically } from "../join/output.js";

/**
 * The files one answer becomes, by path: a format of one file at `--out`, or under its name in
 * `--out-dir`; a format of several (Stellar's three ConfigMap keys), under their names.
 */
export function filesOf(
  watch: WatchFiles,
  body: string,
  target: { out?: string; outDir?: string },
): Map<string, string> {
  const contents = watch.split(body);
  if (target.out !== undefined && watch.files.length === 1) {
    return new Map([[target.out, contents[0] as string]]);
  }
  const dir = target.outDir as string;
  return new Map(watch.files.map((name, i) => [join(dir, name), contents[i] as string]));
}

/**
 * Writes each file whose content differs from what is on disk, atomically; returns the paths
 * written. An unchanged file is not touched, so its mtime says when it last really changed.
 */
export async function writeChanged(files: ReadonlyMap<string, string>): Promise<string[]> {
  const written: string[] = [];
  for (const [path, text] of files) {
    let current: string | undefined;
    try {
      current = await readFile(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    if (current === text) continue;
    await writeFileAtomically(path, text);
    written.push(path);
  }
  return written;
}
