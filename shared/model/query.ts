import { z } from "zod";
import { STATUSES } from "./instance.js";

/** `?status=` as the list endpoints take it: one status, or `any`. */
export const statusFilter = z.enum([...STATUSES, "any"]);
export type StatusFilter = z.infer<typeof statusFilter>;

export const tagFilter = z.string().min(1).max(64);
