import { en } from "zod/locales";
import { config } from "zod/mini";

/**
 * zod's mini build: the same zod 4 engine behind a functional API (`z.optional(s)`,
 * `s.check(z.maxLength(n))`) that a bundler can tree-shake, where the classic build's methods
 * pull in all of zod (about 440 KiB of the Lambda bundle, its locales included). The mini build
 * loads no locale, which would turn every message our 400s name into "Invalid input": English
 * is loaded here, once, so every schema of the registry imports zod from this module
 * (`import * as z from ".../validation/zod.js"`), never from "zod" itself.
 */
config(en());

export * from "zod/mini";
