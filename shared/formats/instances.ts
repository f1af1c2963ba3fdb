import { JSON_TYPE, jsonRendered, type ServiceFormat } from "./format.js";

/**
 * `{"service","instances":[…]}`: the full record of every live instance, critical ones
 * included unless filtered. Paged with `?limit=&cursor=`, it adds `next_cursor` (null at the
 * end).
 */
export const instancesFormat = {
  scope: "service",
  name: "instances",
  path: "instances",
  contentType: JSON_TYPE,
  hidesCritical: false,
  pageable: true,
  presign: "query",
  publicByDefault: true,
  render: ({ service, instances, nextCursor }) =>
    jsonRendered(
      nextCursor === undefined
        ? { service, instances }
        : { service, instances, next_cursor: nextCursor },
    ),
} satisfies ServiceFormat;
