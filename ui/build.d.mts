/** The UI's files by name: index.html and its content-named assets (ui/build.mjs). */
export function buildUi(): Promise<Map<string, Uint8Array>>;
/** Builds and writes them into `outDir`, replacing it whole. */
export function writeUi(outDir: string): Promise<Map<string, Uint8Array>>;
