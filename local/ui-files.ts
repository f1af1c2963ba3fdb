import type { AppLogger } from "../shared/logging.js";

/**
 * The web UI's files for local mode, built from ui/ in memory by the project's esbuild (a
 * dependency of tsx, so present wherever `muster serve` runs), so what is served is always the
 * source as it is now: there is no build to forget or to go stale. Built on the first /ui
 * request (a fraction of a second), so a registry nobody looks at never starts esbuild.
 */
export function localUiFiles(log: AppLogger): () => Promise<Map<string, Uint8Array>> {
  let built: Promise<Map<string, Uint8Array>> | undefined;
  const build = () => {
    built ??= import("../ui/build.mjs").then((m) => m.buildUi());
    built.catch((err: unknown) => {
      log.warn("the web UI could not be built", { error: String(err) });
      built = undefined;
    });
    return built;
  };
  return build;
}
