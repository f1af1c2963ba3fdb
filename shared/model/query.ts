import * as z from "../validation/zod.js";
import { STATUSES } from "./instance.js";

/** `?status=` as the list endpoints take it: one status, or `any`. */
export const statusFilter = z.enum([...STATUSES, "any"]);
export type StatusFilter = z.infer<typeof statusFilter>;

export const tagFilter = z.string().check(z.minLength(1), z.maxLength(64));
