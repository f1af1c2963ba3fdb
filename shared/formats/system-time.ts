/**
 * `std::time::SystemTime` as serde writes and reads it: an object of whole seconds and the
 * nanoseconds past them since the Unix epoch. An RFC 3339 string does not parse as one.
 */
export interface SerdeSystemTime {
  secs_since_epoch: number;
  nanos_since_epoch: number;
}

export function serdeSystemTime(epochMs: number): SerdeSystemTime {
  const ms = Math.max(0, Math.floor(epochMs));
  return { secs_since_epoch: Math.floor(ms / 1000), nanos_since_epoch: (ms % 1000) * 1_000_000 };
}
