import { distinctIrohNodeId } from "../test/support/iroh-keys.js";

/** The nodes each service of the local bench holds, and each heartbeat round cycles through. */
export const NODES = 1000;

const keys: string[] = [];

/** Node i's Iroh key: real, and its own (a Blixard cluster has no two nodes with one key). */
function irohKey(i: number): string {
  for (let n = keys.length; n <= i; n++) keys.push(distinctIrohNodeId(n));
  return keys[i] as string;
}

const octets = (i: number) => `${(i >> 8) & 255}.${i & 255}`;

/**
 * A Blixard node's heartbeat, every field set as a node sends it: its Iroh key (checked as an
 * Ed25519 point by the registry), its cluster node id, direct addresses, relay. `seq` goes
 * into metadata, so each renewal with a new one is a real write (it passes the ttl/10 floor).
 */
export function blixardBody(i: number, seq: number) {
  return {
    id: `node-${i}`,
    address: `10.20.${octets(i)}:7000`,
    direct_addresses: [`10.20.${octets(i)}:7001`, `[fd00::${i.toString(16)}]:7001`],
    relay_url: "https://relay.muster.example/",
    iroh_node_id: irohKey(i),
    cluster_node_id: i + 1,
    tags: ["blixard", `zone-${i % 3}`],
    metadata: { zone: `eu-west-1${"abc"[i % 3]}`, seq: String(seq) },
    version: "0.9.4",
    ttl: 3600,
  };
}

/** A plain instance's heartbeat: an address and a lease, as a Stellar validator sends it. */
export function plainBody(i: number, seq: number) {
  return {
    id: `node-${i}`,
    address: `10.30.${octets(i)}:11625`,
    ttl: 3600,
    metadata: { seq: String(seq) },
  };
}

export type Body = ReturnType<typeof blixardBody> | ReturnType<typeof plainBody>;
