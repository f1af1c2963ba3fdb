import type { EC2Client } from "@aws-sdk/client-ec2";
import type { AppLogger } from "../logging.js";
import { mapLimit } from "../map-limit.js";
import { type Instance, NODE_SOURCES } from "../model/instance.js";
import { EC2_INSTANCE_METADATA, terminatedEc2 } from "../sources/ec2.js";
import type { ReconcilerStore } from "../store/store.js";

/**
 * Removes the heartbeat nodes that said which EC2 instance they run on
 * (`metadata.ec2_instance_id`) once EC2 reports that instance shutting down or terminated,
 * instead of leaving them listed until their lease runs out. Returns the removed instances.
 * Throws when EC2 cannot be asked; then nothing was removed.
 */
export async function removeTerminated(input: {
  ec2: EC2Client;
  store: ReconcilerStore;
  registry: readonly Instance[];
  concurrency: number;
  signal?: AbortSignal;
  logger: AppLogger;
}): Promise<Instance[]> {
  const claimed = input.registry.filter(
    (i) => NODE_SOURCES.includes(i.source) && i.metadata[EC2_INSTANCE_METADATA] !== undefined,
  );
  if (claimed.length === 0) return [];
  const claim = (i: Instance) => i.metadata[EC2_INSTANCE_METADATA] as string;
  const gone = await terminatedEc2(input.ec2, claimed.map(claim), input.signal);
  const removed: Instance[] = [];
  await mapLimit(
    claimed.filter((i) => gone.has(claim(i))),
    input.concurrency,
    input.signal,
    async (i) => {
      // Only the node that made the claim: a new registration on the same id is left be.
      const ok = await input.store.remove(i.service, i.id, {
        owner: i.registered_by,
        metadata: { [EC2_INSTANCE_METADATA]: claim(i) },
      });
      if (ok) {
        removed.push(i);
        input.logger.info(`removed ${i.service}/${i.id}: EC2 instance ${claim(i)} is terminated`);
      }
    },
  );
  return removed;
}
