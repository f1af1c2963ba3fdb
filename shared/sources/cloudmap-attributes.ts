/** Cloud Map's reserved attributes: what its DNS records are made from. */
export const IPV4 = "AWS_INSTANCE_IPV4";
export const IPV6 = "AWS_INSTANCE_IPV6";
export const PORT = "AWS_INSTANCE_PORT";
export const EC2_INSTANCE = "AWS_EC2_INSTANCE_ID";

/**
 * Set on every instance muster exports. The import skips instances that carry it, so what
 * muster put into Cloud Map never comes back as a `cloudmap` instance (no ping-pong), and the
 * export only ever deregisters instances that carry it.
 */
export const EXPORT_MARKER = "MUSTER_EXPORTED";
/** The muster instance id, when the Cloud Map id differs: shortened, or a Blixard node's NodeId. */
export const MUSTER_ID = "MUSTER_ID";
