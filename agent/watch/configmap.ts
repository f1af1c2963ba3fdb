import type { WatchFiles } from "../../shared/formats/format.js";
import { type ConfigMapRef, type WriteOptions, writeConfigMap } from "../kube/configmap-writer.js";
import type { KubeTarget } from "../kube/kubeconfig.js";

/**
 * `watch --configmap`: one answer's files as keys of a ConfigMap (Stellar's three: `peers.json`,
 * `peers.txt`, `peer_count`, as the operator's `stellar-peers` holds them), created or replaced
 * with its resource version, and left alone when every key already holds its value. Returns what
 * changed, for the log and `--on-change`.
 */
export function configMapWriter(
  watch: WatchFiles,
  target: KubeTarget,
  ref: ConfigMapRef,
  options: WriteOptions = {},
): (body: string) => Promise<string[]> {
  return async (body) => {
    const contents = watch.split(body);
    const data = Object.fromEntries(watch.files.map((name, i) => [name, contents[i] as string]));
    const outcome = await writeConfigMap(target, ref, data, options);
    return outcome === "unchanged" ? [] : [`configmap ${ref.namespace}/${ref.name} (${outcome})`];
  };
}
