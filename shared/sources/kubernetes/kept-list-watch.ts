import {
  ApiException,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  type Watch,
} from "@kubernetes/client-node";
import { KubeApiError, type KubeRequest, kubeApiError } from "../../kube/api-error.js";

export interface KeptListWatchOptions<T extends KubernetesObject> {
  /** The collection's path: `/apis/discovery.k8s.io/v1/namespaces/x/endpointslices`. */
  path: string;
  watch: Watch;
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  /** What the requests are, for error messages (`verb` is filled in). */
  request: Omit<KubeRequest, "verb">;
  /** After the cache changed (coalesced: once per turn of the event loop). */
  onChange: () => void;
  /** After a list or watch failed; the watch is restarted after a backoff. */
  onError: (err: KubeApiError | Error) => void;
  /** Backoff between restarts after errors, doubling from `min` to `max`; default 250 ms–10 s. */
  retryMs?: { min: number; max: number };
}

/** The request's failure as a KubeApiError when the API server answered, else as it came. */
function asKubeError(err: unknown, request: KubeRequest): Error {
  if (err instanceof ApiException) return kubeApiError(err.code, err.body, request);
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === "number") return kubeApiError(status, undefined, request);
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * The official client's ListWatch (list, then watch from the list's resource version; a new list
 * after `410 Gone`; a new watch after a quiet 30 s), kept alive: the client's ListWatch stops at
 * the first error it cannot handle itself (the API server down or restarting, a 403), and this
 * one starts it again after a backoff, from the last resource version it saw.
 */
export class KeptListWatch<T extends KubernetesObject> {
  readonly informer: ListWatch<T>;
  private listedOnce = false;
  private failure: Error | undefined;
  private failures = 0;
  private stopped = false;
  private delay: number;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private notifyQueued = false;
  private readonly firstList: Promise<void>;
  private resolveFirstList!: () => void;

  constructor(private readonly options: KeptListWatchOptions<T>) {
    this.delay = options.retryMs?.min ?? 250;
    this.firstList = new Promise((resolve) => {
      this.resolveFirstList = resolve;
    });
    const list = async () => {
      try {
        const answer = await options.list();
        // The ListWatch puts the list into its cache when this promise settles; a macrotask
        // later, the cache holds it.
        setImmediate(() => this.listed());
        return answer;
      } catch (err) {
        throw asKubeError(err, { ...options.request, verb: "list" });
      }
    };
    this.informer = new ListWatch<T>(
      options.path,
      options.watch,
      list,
      false,
      options.labelSelector,
    );
    const changed = () => {
      this.healthy();
      this.notify();
    };
    this.informer.on("add", changed);
    this.informer.on("update", changed);
    this.informer.on("delete", changed);
    this.informer.on("error", (err: unknown) => this.failed(err));
  }

  /** Starts listing and watching; resolves once the first list is in the cache. */
  async start(): Promise<void> {
    void this.attempt();
    await this.firstList;
  }

  /** Listed at least once and no failure since the last success. */
  get synced(): boolean {
    return this.listedOnce && this.failure === undefined;
  }

  get error(): Error | undefined {
    return this.failure;
  }

  list(): readonly T[] {
    return this.informer.list();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.informer.stop();
  }

  /**
   * One start of the client's ListWatch: a list when it has no resource version, then a watch.
   * The client reports a failure through its error callback before `start()` settles, so a start
   * that reported none has a watch open again: the cache is current, whether or not anything
   * changed meanwhile.
   */
  private async attempt() {
    const failuresBefore = this.failures;
    try {
      await this.informer.start();
    } catch (err) {
      // Not a request failure: e.g. the token file could not be read.
      this.failed(err);
      return;
    }
    if (this.failures === failuresBefore && !this.stopped) this.healthy();
  }

  private listed() {
    if (!this.listedOnce) {
      this.listedOnce = true;
      this.resolveFirstList();
    }
    this.healthy();
    this.notify();
  }

  private healthy() {
    if (this.failure === undefined) return;
    this.failure = undefined;
    this.delay = this.options.retryMs?.min ?? 250;
    this.notify();
  }

  private failed(err: unknown) {
    if (this.stopped) return;
    const error =
      err instanceof KubeApiError
        ? err
        : asKubeError(err, { ...this.options.request, verb: "watch" });
    this.failure = error;
    this.failures++;
    this.options.onError(error);
    this.notify();
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      if (!this.stopped) void this.attempt();
    }, this.delay);
    this.delay = Math.min(this.delay * 2, this.options.retryMs?.max ?? 10_000);
  }

  private notify() {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    setImmediate(() => {
      this.notifyQueued = false;
      if (!this.stopped) this.options.onChange();
    });
  }
}
