import type { InstanceRecord } from "../item.js";

/** An instance as the DynamoDB table holds it: the record under its keys (keys.ts). */
export interface InstanceItem extends InstanceRecord {
  pk: string;
  sk: string;
}
