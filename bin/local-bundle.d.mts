// Types of bin/local-bundle.mjs, for the tests that import it.

/** The entry of a bundle in `dir` that matches the source of `root` as it is now, if any. */
export declare function freshBundle(dir: string, root?: string): string | undefined;
/** Builds the bundle of `root`'s CLI (local/cli.ts) into `dir`; returns its entry. */
export declare function buildBundle(dir: string, root?: string): Promise<string>;
/** The bundle's entry: a fresh one if kept, else built where it can be written. */
export declare function bundleEntry(): Promise<string>;
/** Runs the `muster` CLI from the bundle (tsx when it cannot be built). */
export declare function loadMuster(): Promise<void>;
