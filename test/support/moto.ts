import { randomInt } from "node:crypto";
import {
  type EC2Client,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  CreatePrivateDnsNamespaceCommand,
  CreateServiceCommand,
  ListInstancesCommand,
  ListNamespacesCommand,
  ListServicesCommand,
  RegisterInstanceCommand,
  type ServiceDiscoveryClient,
} from "@aws-sdk/client-servicediscovery";
import { createCloudMapClient, createEc2Client } from "../../shared/sources/aws-clients.js";
import { motoEndpoint } from "../engines/index.js";

const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

type Handler = (args: { request: unknown }) => Promise<unknown>;
/** The one shape of `middlewareStack.add` used here; the SDK's overloads do not unify over clients. */
interface Stack {
  add(
    middleware: (next: Handler, context: { commandName?: string }) => Handler,
    options: { step: "build" | "initialize"; name: string },
  ): void;
}
const stack = (client: EC2Client | ServiceDiscoveryClient) =>
  client.middlewareStack as unknown as Stack;

/**
 * moto keeps one fake AWS account per account id, and every test file shares one server: a
 * test of its own account sees only what it made. moto reads the account from this header.
 */
function inAccount<C extends EC2Client | ServiceDiscoveryClient>(client: C, account: string): C {
  stack(client).add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers["x-moto-account-id"] = account;
      return next(args);
    },
    { step: "build", name: "motoAccount" },
  );
  return client;
}

/** Calls made through a client, by command name: "only what changed" is counted, not assumed. */
export interface CallLog {
  calls: string[];
  count(command: string): number;
  clear(): void;
}

function logCalls<C extends EC2Client | ServiceDiscoveryClient>(client: C, log: CallLog): C {
  stack(client).add(
    (next, context) => async (args) => {
      log.calls.push(String(context.commandName).replace(/Command$/, ""));
      return next(args);
    },
    { step: "initialize", name: "callLog" },
  );
  return client;
}

export interface MotoAccount {
  account: string;
  endpoint: string;
  region: string;
  /** The clients the reconciler uses (the production factory), pointed at this account. */
  ec2: EC2Client;
  cloudMap: ServiceDiscoveryClient;
  /** Separate clients for setting scenarios up, so their calls are not counted. */
  setup: { ec2: EC2Client; cloudMap: ServiceDiscoveryClient };
  calls: CallLog;
  destroy(): void;
}

export function motoAccount(region = "us-east-1"): MotoAccount {
  const account = String(randomInt(100_000_000_000, 999_999_999_999));
  const endpoint = motoEndpoint();
  const options = { endpoint, region, credentials: CREDENTIALS, maxAttempts: 2 };
  const calls: CallLog = {
    calls: [],
    count: (command) => calls.calls.filter((c) => c === command).length,
    clear: () => {
      calls.calls.length = 0;
    },
  };
  const ec2 = logCalls(inAccount(createEc2Client(options), account), calls);
  const cloudMap = logCalls(inAccount(createCloudMapClient(options), account), calls);
  const setup = {
    ec2: inAccount(createEc2Client(options), account),
    cloudMap: inAccount(createCloudMapClient(options), account),
  };
  return {
    account,
    endpoint,
    region,
    ec2,
    cloudMap,
    setup,
    calls,
    destroy() {
      for (const c of [ec2, cloudMap, setup.ec2, setup.cloudMap]) c.destroy();
    },
  };
}

export interface Launched {
  id: string;
  ip: string;
}

/** RunInstances with tags, one reservation per call (moto pages DescribeInstances by those). */
export async function launch(
  ec2: EC2Client,
  tags: Record<string, string>,
  count = 1,
): Promise<Launched[]> {
  const out = await ec2.send(
    new RunInstancesCommand({
      ImageId: "ami-12345678",
      InstanceType: "t3.micro",
      MinCount: count,
      MaxCount: count,
      TagSpecifications: [
        {
          ResourceType: "instance",
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        },
      ],
    }),
  );
  return (out.Instances ?? []).map((i) => ({
    id: i.InstanceId as string,
    ip: i.PrivateIpAddress as string,
  }));
}

export async function stopInstances(ec2: EC2Client, ids: string[]): Promise<void> {
  await ec2.send(new StopInstancesCommand({ InstanceIds: ids }));
}

export async function terminateInstances(ec2: EC2Client, ids: string[]): Promise<void> {
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
}

/** A private DNS namespace, as `aws servicediscovery create-private-dns-namespace` makes it. */
export async function privateNamespace(
  cloudMap: ServiceDiscoveryClient,
  name: string,
): Promise<string> {
  await cloudMap.send(new CreatePrivateDnsNamespaceCommand({ Name: name, Vpc: "vpc-12345678" }));
  const out = await cloudMap.send(new ListNamespacesCommand({}));
  const ns = out.Namespaces?.find((n) => n.Name === name);
  if (!ns?.Id) throw new Error(`namespace ${name} was not created`);
  return ns.Id;
}

/** A Cloud Map service with an instance, as another tool (ECS, say) would register it. */
export async function registerForeign(
  cloudMap: ServiceDiscoveryClient,
  namespaceId: string,
  service: string,
  instances: { id: string; attributes: Record<string, string> }[],
): Promise<string> {
  const created = await cloudMap.send(
    new CreateServiceCommand({
      Name: service,
      NamespaceId: namespaceId,
      DnsConfig: { RoutingPolicy: "MULTIVALUE", DnsRecords: [{ Type: "A", TTL: 60 }] },
    }),
  );
  const serviceId = created.Service?.Id as string;
  for (const instance of instances) {
    await cloudMap.send(
      new RegisterInstanceCommand({
        ServiceId: serviceId,
        InstanceId: instance.id,
        Attributes: instance.attributes,
      }),
    );
  }
  return serviceId;
}

/** What the namespace holds: service name → instance id → attributes. */
export async function cloudMapContents(
  cloudMap: ServiceDiscoveryClient,
): Promise<Record<string, Record<string, Record<string, string>>>> {
  const contents: Record<string, Record<string, Record<string, string>>> = {};
  const services = await cloudMap.send(new ListServicesCommand({}));
  for (const service of services.Services ?? []) {
    const instances = await cloudMap.send(
      new ListInstancesCommand({ ServiceId: service.Id as string }),
    );
    const byId: Record<string, Record<string, string>> = {};
    for (const i of instances.Instances ?? []) byId[i.Id as string] = i.Attributes ?? {};
    contents[service.Name as string] = byId;
  }
  return contents;
}
