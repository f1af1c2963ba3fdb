import * as z from "../validation/zod.js";
import { DNS_LABEL } from "./dns-label.js";

/** Service names are DNS labels so that `_<service>._tcp` is a valid SRV owner name. */
export const SERVICE_NAME = DNS_LABEL;
/**
 * `.` and `..` are left out: URL parsers resolve those path segments away, so such an
 * instance could never be read or deleted by its URL.
 */
export const INSTANCE_ID = /^(?!\.\.?$)[A-Za-z0-9._:-]{1,128}$/;

export const serviceName = z
  .string()
  .check(
    z.regex(
      SERVICE_NAME,
      "must be a DNS label: a-z, 0-9 and '-', 1-63 chars, no leading or trailing '-'",
    ),
  );

export const instanceId = z
  .string()
  .check(z.regex(INSTANCE_ID, "must be 1-128 chars of A-Z a-z 0-9 . _ : -, and not . or .."));
