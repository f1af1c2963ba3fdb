import {
  DescribeInstancesCommand,
  type DescribeInstancesCommandOutput,
  type EC2Client,
  type Instance as Ec2Instance,
  type Filter,
} from "@aws-sdk/client-ec2";
import { SERVICE_NAME } from "../model/names.js";
import {
  type Discovered,
  MAX_PAGES,
  type SourceScan,
  sourcedFields,
  TooManyPagesError,
} from "./discovered.js";

export const SERVICE_TAG = "muster:service";
export const PORT_TAG = "muster:port";
/** The metadata key a heartbeat uses to say which EC2 instance it runs on. */
export const EC2_INSTANCE_METADATA = "ec2_instance_id";

/** One extra EC2 tag filter: instances must carry `key` with one of `values`. */
export interface TagFilter {
  key: string;
  values: string[];
}

export const EC2_INSTANCE_ID = /^i-[0-9a-f]{8,32}$/;

export interface Ec2DiscoveryOptions {
  client: EC2Client;
  filters: readonly TagFilter[];
  defaultPorts: ReadonlyMap<string, number>;
  /** DescribeInstances `MaxResults` (5-1000). Default 1000; tests use small pages. */
  pageSize?: number;
  signal?: AbortSignal;
}

/** Every page of a DescribeInstances call; stops with an error rather than loop on. */
async function describeAll(
  client: EC2Client,
  filters: Filter[],
  pageSize: number,
  signal: AbortSignal | undefined,
): Promise<Ec2Instance[]> {
  const instances: Ec2Instance[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out: DescribeInstancesCommandOutput = await client.send(
      new DescribeInstancesCommand({ Filters: filters, MaxResults: pageSize, NextToken: token }),
      { abortSignal: signal },
    );
    for (const reservation of out.Reservations ?? [])
      instances.push(...(reservation.Instances ?? []));
    token = out.NextToken || undefined;
    if (!token) return instances;
  }
  throw new TooManyPagesError(`DescribeInstances returned more than ${MAX_PAGES} pages`);
}

function tag(instance: Ec2Instance, key: string): string | undefined {
  return instance.Tags?.find((t) => t.Key === key)?.Value?.trim();
}

/**
 * Running instances tagged `muster:service=<service>` (and matching the extra tag filters),
 * as instances of that service at `<private IP>:<muster:port or the service's default>`.
 */
export async function discoverEc2(options: Ec2DiscoveryOptions): Promise<SourceScan> {
  const filters: Filter[] = [
    { Name: "instance-state-name", Values: ["running"] },
    { Name: "tag-key", Values: [SERVICE_TAG] },
    ...options.filters.map((f) => ({ Name: `tag:${f.key}`, Values: f.values })),
  ];
  const found = await describeAll(
    options.client,
    filters,
    options.pageSize ?? 1000,
    options.signal,
  );
  const instances: Discovered[] = [];
  const skipped: string[] = [];
  for (const instance of found) {
    const id = instance.InstanceId ?? "";
    const service = tag(instance, SERVICE_TAG) ?? "";
    if (!EC2_INSTANCE_ID.test(id)) {
      skipped.push(`instance without a usable id (${JSON.stringify(id)})`);
      continue;
    }
    if (!SERVICE_NAME.test(service)) {
      skipped.push(`${id}: ${SERVICE_TAG}=${JSON.stringify(service)} is not a DNS label`);
      continue;
    }
    const portTag = tag(instance, PORT_TAG);
    const port = portTag === undefined ? options.defaultPorts.get(service) : Number(portTag);
    if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
      skipped.push(
        portTag === undefined
          ? `${id}: no ${PORT_TAG} tag and no default port for ${service}`
          : `${id}: ${PORT_TAG}=${JSON.stringify(portTag)} is not a port`,
      );
      continue;
    }
    const ip = instance.PrivateIpAddress;
    if (!ip) {
      skipped.push(`${id}: no private IPv4 address`);
      continue;
    }
    const metadata: Record<string, string> = { [EC2_INSTANCE_METADATA]: id };
    if (instance.Placement?.AvailabilityZone)
      metadata.availability_zone = instance.Placement.AvailabilityZone;
    if (instance.InstanceType) metadata.instance_type = instance.InstanceType;
    const name = tag(instance, "Name");
    if (name) metadata.name = name.slice(0, 512);
    instances.push({ service, id, fields: sourcedFields(`${ip}:${port}`, metadata) });
  }
  return { instances, skipped };
}

/** EC2 caps the values of one filter; 200 is the documented limit for instance ids. */
const IDS_PER_CALL = 200;

/**
 * Which of `ids` EC2 reports as shutting down or terminated. A filter, not `InstanceIds`: an
 * id EC2 no longer knows (terminated over an hour ago, another account) is simply not
 * reported, instead of failing the whole call. Unknown ids are left alone: only a positive
 * answer removes a node.
 */
export async function terminatedEc2(
  client: EC2Client,
  ids: readonly string[],
  signal?: AbortSignal,
): Promise<Set<string>> {
  const gone = new Set<string>();
  const unique = [...new Set(ids)].filter((id) => EC2_INSTANCE_ID.test(id));
  for (let at = 0; at < unique.length; at += IDS_PER_CALL) {
    const chunk = unique.slice(at, at + IDS_PER_CALL);
    const found = await describeAll(
      client,
      [
        { Name: "instance-id", Values: chunk },
        { Name: "instance-state-name", Values: ["shutting-down", "terminated"] },
      ],
      1000,
      signal,
    );
    for (const instance of found) if (instance.InstanceId) gone.add(instance.InstanceId);
  }
  return gone;
}
