import { labelSelectorProblem } from "../kube/label-selector.js";
import { DNS_LABEL } from "../model/dns-label.js";
import { serviceName } from "../model/names.js";
import type { TagFilter } from "../sources/ec2.js";
import * as z from "../validation/zod.js";
import { Env, type Environment } from "./names.js";
import {
  decimal,
  flag,
  given,
  list,
  readSection,
  tableName,
  variablesOf,
  wholeNumber,
} from "./read.js";

/** `Key=Value`, split at the first `=`: EC2 tag values may contain `=`, keys may not. */
const pair = z.pipe(
  z.string().check(z.regex(/^[^=]+=.*$/, "must be Key=Value")),
  z.transform((s: string) => {
    const at = s.indexOf("=");
    return { key: s.slice(0, at).trim(), value: s.slice(at + 1).trim() };
  }),
);

const port = z.pipe(
  z.pipe(z.string().check(z.regex(/^\d{1,5}$/, "must be a port number")), z.transform(Number)),
  z.int().check(z.gte(1, "must be a port 1-65535"), z.lte(65535, "must be a port 1-65535")),
);

const schema = z.object({
  MUSTER_TABLE: tableName,
  MUSTER_RECONCILE_INTERVAL: wholeNumber(1, 86_400, 60),
  MUSTER_EC2_DISCOVERY: flag,
  MUSTER_EC2_FILTERS: list(
    pair.check(
      z.refine((p) => p.key.length <= 128 && p.value.length <= 256, {
        message: "tag keys are at most 128 characters, values 256",
      }),
    ),
  ),
  MUSTER_EC2_DEFAULT_PORTS: list(z.pipe(pair, z.object({ key: serviceName, value: port }))),
  MUSTER_CLOUDMAP_NAMESPACE: z.optional(
    z
      .string()
      .check(
        z.maxLength(1024),
        z.regex(/^[A-Za-z0-9._-]*$/, "must be a namespace id (ns-…) or a namespace name"),
      ),
  ),
  MUSTER_SAFETY_RATIO: decimal(0, 1, 0.5),
  MUSTER_K8S_DISCOVERY: flag,
  MUSTER_K8S_NAMESPACE: list(
    z.string().check(z.regex(DNS_LABEL, "must be namespace names (DNS labels), comma-separated")),
  ),
  MUSTER_K8S_LABEL_SELECTOR: z.optional(
    z.string().check(
      z.maxLength(4096),
      z.superRefine((value: string, ctx) => {
        const problem = labelSelectorProblem(value);
        if (problem) ctx.addIssue({ code: "custom", message: `not a label selector: ${problem}` });
      }),
    ),
  ),
  MUSTER_EKS_CLUSTER: z.optional(
    z.string().check(z.regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, "must be an EKS cluster name")),
  ),
  MUSTER_EKS_ENDPOINT: z.optional(
    z.string().check(z.regex(/^https:\/\/[^\s/]+\/?$/, "must be the cluster's https:// endpoint")),
  ),
  MUSTER_EKS_CA_DATA: z.optional(
    z.string().check(
      z.refine(isPemCertificateBase64, {
        message: "must be the cluster's certificateAuthority.data (base64 of a PEM certificate)",
      }),
    ),
  ),
});

/** EKS's `certificateAuthority.data`: base64 of PEM text holding a certificate. */
function isPemCertificateBase64(value: string): boolean {
  if (!/^[A-Za-z0-9+/=\s]+$/.test(value)) return false;
  return Buffer.from(value, "base64").toString("utf8").includes("-----BEGIN CERTIFICATE-----");
}

/** Variables that mean nothing without MUSTER_K8S_DISCOVERY, and the EKS three that go together. */
function kubernetesProblems(d: z.output<typeof schema>): string[] {
  const problems: string[] = [];
  const set = (name: keyof typeof d, value: unknown) =>
    value !== undefined && (!Array.isArray(value) || value.length > 0) ? [name] : [];
  const k8sOnly = [
    ...set(Env.MUSTER_K8S_NAMESPACE, d.MUSTER_K8S_NAMESPACE),
    ...set(Env.MUSTER_K8S_LABEL_SELECTOR, d.MUSTER_K8S_LABEL_SELECTOR),
    ...set(Env.MUSTER_EKS_CLUSTER, d.MUSTER_EKS_CLUSTER),
    ...set(Env.MUSTER_EKS_ENDPOINT, d.MUSTER_EKS_ENDPOINT),
    ...set(Env.MUSTER_EKS_CA_DATA, d.MUSTER_EKS_CA_DATA),
  ];
  if (!d.MUSTER_K8S_DISCOVERY) {
    for (const name of k8sOnly)
      problems.push(
        `${name}: set ${Env.MUSTER_K8S_DISCOVERY}=true to turn the Kubernetes source on`,
      );
  }
  const eks = [Env.MUSTER_EKS_CLUSTER, Env.MUSTER_EKS_ENDPOINT, Env.MUSTER_EKS_CA_DATA] as const;
  const given = eks.filter((name) => d[name] !== undefined);
  if (given.length > 0 && given.length < eks.length) {
    for (const name of eks.filter((n) => d[n] === undefined))
      problems.push(`${name}: set it too, or none of ${eks.join(", ")}`);
  }
  return problems;
}

export const RECONCILER_VARIABLES = variablesOf(schema);

/** The reconciler's settings, scheduled on Lambda (functions/reconcile.ts) or in local mode. */
export interface ReconcilerSettings {
  tableName: string;
  intervalSeconds: number;
  ec2: {
    enabled: boolean;
    filters: TagFilter[];
    /** Port for instances without a `muster:port` tag (and Cloud Map ones without a port). */
    defaultPorts: ReadonlyMap<string, number>;
  };
  /** Namespace id (`ns-…`) or name; undefined: Cloud Map import and export are off. */
  cloudMapNamespace: string | undefined;
  safetyRatio: number;
  /** The Kubernetes source (EndpointSlices); undefined: off. */
  kubernetes: KubernetesSettings | undefined;
}

export interface KubernetesSettings {
  /** Namespaces to follow; empty: every namespace the credentials may list. */
  namespaces: string[];
  /** Only the EndpointSlices it selects (`app=web,tier!=cache`). */
  labelSelector: string | undefined;
  /**
   * An EKS cluster reached from outside it (the reconciler's Lambda) with a token made from the
   * AWS credentials; undefined: the credential order (service account, KUBECONFIG, ~/.kube/config).
   */
  eks: { cluster: string; endpoint: string; caData: string } | undefined;
}

/**
 * Reads the reconciler's variables, naming every bad one. A section of its own: the API does
 * not read them, so a typo here does not stop the API. `defaults.table` as for the API.
 */
export function readReconcilerSettings(
  env: Environment,
  defaults: { table?: string } = {},
): ReconcilerSettings {
  const table = given(env, Env.MUSTER_TABLE) ?? defaults.table;
  const d = readSection(schema, { ...env, [Env.MUSTER_TABLE]: table }, kubernetesProblems);
  // The same key twice means either value: EC2 ORs the values of one filter.
  const filters = new Map<string, string[]>();
  for (const { key, value } of d.MUSTER_EC2_FILTERS) {
    filters.set(key, [...(filters.get(key) ?? []), value]);
  }
  return {
    tableName: d.MUSTER_TABLE,
    intervalSeconds: d.MUSTER_RECONCILE_INTERVAL,
    ec2: {
      enabled: d.MUSTER_EC2_DISCOVERY,
      filters: [...filters].map(([key, values]) => ({ key, values })),
      defaultPorts: new Map(d.MUSTER_EC2_DEFAULT_PORTS.map((p) => [p.key, p.value])),
    },
    cloudMapNamespace: d.MUSTER_CLOUDMAP_NAMESPACE,
    safetyRatio: d.MUSTER_SAFETY_RATIO,
    kubernetes: d.MUSTER_K8S_DISCOVERY
      ? {
          namespaces: [...new Set(d.MUSTER_K8S_NAMESPACE)],
          labelSelector: d.MUSTER_K8S_LABEL_SELECTOR,
          eks:
            d.MUSTER_EKS_CLUSTER && d.MUSTER_EKS_ENDPOINT && d.MUSTER_EKS_CA_DATA
              ? {
                  cluster: d.MUSTER_EKS_CLUSTER,
                  endpoint: d.MUSTER_EKS_ENDPOINT.replace(/\/$/, ""),
                  caData: d.MUSTER_EKS_CA_DATA.replace(/\s+/g, ""),
                }
              : undefined,
        }
      : undefined,
  };
}

/** Whether there is anything for a pass to do. */
export function hasSource(settings: ReconcilerSettings): boolean {
  return (
    settings.ec2.enabled ||
    settings.cloudMapNamespace !== undefined ||
    settings.kubernetes !== undefined
  );
}
