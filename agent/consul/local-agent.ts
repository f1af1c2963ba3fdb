import type { Status } from "../../shared/model/instance.js";
import type { Logger } from "../log.js";
import {
  DefinitionError,
  type LocalCheck,
  type LocalRegistration,
  readRegistration,
} from "./definitions.js";
import { runnerOf, schedule } from "./runners.js";
import type { Upstream, UpstreamAnswer } from "./upstream.js";

interface CheckState {
  def: LocalCheck;
  status: Status;
  output: string;
  /** A TTL check: when it runs out unless updated. */
  ttlTimer?: NodeJS.Timeout;
  runner?: { stop(): void };
}

interface ServiceState {
  reg: LocalRegistration;
  /** The application's token, when it gave one; else the agent's is used. */
  token: string | undefined;
  checks: Map<string, CheckState>;
}

export interface LocalAgentOptions {
  upstream: Upstream;
  node: { name: string; address: string };
  /** The TTL of the checks the registry holds for this agent; kept alive every third of it. */
  upstreamTtlMs: number;
  log: Logger;
}

const ok: UpstreamAnswer = { status: 200, text: "" };
const unknownCheck = (id: string): UpstreamAnswer => ({
  status: 404,
  text: `Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`,
});

/**
 * A Consul agent for one node, over muster: what applications register here lives in this
 * process — its HTTP, TCP and script checks run here, its TTL checks wait for the
 * application's updates here — and is held in the registry as TTL checks this agent keeps
 * alive (every change at once, and every check every third of their TTL); on shutdown it is
 * deregistered. A registry that lost a registration (404 on a keep-alive) gets it again.
 */
export class LocalAgent {
  readonly #o: LocalAgentOptions;
  readonly #services = new Map<string, ServiceState>();
  /** Local check ID → local service ID. */
  readonly #checks = new Map<string, string>();
  #keepAlive: NodeJS.Timeout | undefined;

  constructor(options: LocalAgentOptions) {
    this.#o = options;
  }

  get node() {
    return this.#o.node;
  }

  start(): void {
    const every = Math.max(1000, Math.floor(this.#o.upstreamTtlMs / 3));
    this.#keepAlive = setInterval(() => void this.#refreshAll(), every);
  }

  async register(
    body: unknown,
    token: string | undefined,
    replace: boolean,
  ): Promise<UpstreamAnswer> {
    let reg: LocalRegistration;
    try {
      reg = readRegistration(body, this.#o.node);
    } catch (err) {
      if (err instanceof DefinitionError) return { status: 400, text: err.message };
      throw err;
    }
    const before = this.#services.get(reg.id);
    // A check registered again keeps its state, as on Consul's agent.
    const kept = new Map<string, { status: Status; output: string }>();
    for (const c of before?.checks.values() ?? [])
      kept.set(c.def.checkId, { status: c.status, output: c.output });
    const state: ServiceState = { reg, token, checks: new Map() };
    for (const def of reg.checks) {
      const was = kept.get(def.checkId);
      state.checks.set(def.checkId, {
        def,
        status: was?.status ?? def.status,
        output: was?.output ?? "",
      });
    }
    const answer = await this.#registerUpstream(state, replace);
    if (answer.status !== 200) return answer;
    if (before) this.#stop(before);
    this.#services.set(reg.id, state);
    for (const c of state.checks.values()) {
      this.#checks.set(c.def.checkId, reg.id);
      this.#start(state, c);
    }
    this.#o.log.info(`registered ${reg.name}/${reg.id} with ${state.checks.size} check(s)`);
    return ok;
  }

  async deregister(id: string, token: string | undefined): Promise<UpstreamAnswer> {
    const state = this.#services.get(id);
    if (!state) {
      return {
        status: 404,
        text: `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`,
      };
    }
    const answer = await this.#o.upstream.put(
      `/v1/agent/service/deregister/${state.reg.upstreamId}`,
      undefined,
      token ?? (await this.#tokenOf(state)),
    );
    if (answer.status >= 400 && answer.status !== 404) return answer;
    this.#stop(state);
    this.#services.delete(id);
    this.#o.log.info(`deregistered ${state.reg.name}/${id}`);
    return ok;
  }

  /** An application's TTL update: `PUT /v1/agent/check/update/:id` and pass/warn/fail. */
  async update(
    checkId: string,
    status: Status,
    output: string,
    token: string | undefined,
  ): Promise<UpstreamAnswer> {
    const state = this.#services.get(this.#checks.get(checkId) ?? "");
    const check = state?.checks.get(checkId);
    if (!state || !check) return unknownCheck(checkId);
    if (check.def.kind.kind !== "ttl") {
      return { status: 500, text: `CheckID "${checkId}" does not have associated TTL` };
    }
    if (token !== undefined) {
      // A token of the application's own: the registry decides whether it may.
      const answer = await this.#send(state, check, status, output, token);
      if (answer.status >= 400 && answer.status < 500) return answer;
      this.#apply(state, check, status, output, false);
      return ok;
    }
    this.#apply(state, check, status, output, true);
    return ok;
  }

  /** Deregisters everything from the registry (on SIGTERM/SIGINT). */
  async shutdown(): Promise<void> {
    if (this.#keepAlive) clearInterval(this.#keepAlive);
    await Promise.allSettled(
      [...this.#services.values()].map(async (state) => {
        this.#stop(state);
        await this.#o.upstream.put(
          `/v1/agent/service/deregister/${state.reg.upstreamId}`,
          undefined,
          await this.#tokenOf(state),
        );
      }),
    );
    this.#services.clear();
  }

  async #tokenOf(state: ServiceState): Promise<string | undefined> {
    return state.token ?? (await this.#o.upstream.agentToken());
  }

  async #registerUpstream(state: ServiceState, replace: boolean): Promise<UpstreamAnswer> {
    const ttl = `${this.#o.upstreamTtlMs}ms`;
    const body = {
      ...state.reg.upstream,
      Checks: [...state.checks.values()].map((c) => ({
        CheckID: c.def.upstreamId,
        Name: c.def.name,
        Notes: c.def.notes,
        TTL: ttl,
        Status: c.status,
        ...(c.def.deregisterAfter !== undefined
          ? { DeregisterCriticalServiceAfter: c.def.deregisterAfter }
          : {}),
      })),
    };
    const path = `/v1/agent/service/register${replace ? "?replace-existing-checks" : ""}`;
    return await this.#o.upstream.put(path, body, await this.#tokenOf(state));
  }

  #start(state: ServiceState, check: CheckState): void {
    const { kind } = check.def;
    if (kind.kind === "ttl") this.#armTtl(state, check);
    const runner = runnerOf(kind);
    if (runner && "intervalMs" in kind) {
      check.runner = schedule(runner, kind.intervalMs, kind.timeoutMs, (r) =>
        this.#apply(state, check, r.status, r.output, true),
      );
    }
  }

  #stop(state: ServiceState): void {
    for (const c of state.checks.values()) {
      if (c.ttlTimer) clearTimeout(c.ttlTimer);
      c.runner?.stop();
      this.#checks.delete(c.def.checkId);
    }
  }

  #armTtl(state: ServiceState, check: CheckState): void {
    if (check.def.kind.kind !== "ttl") return;
    if (check.ttlTimer) clearTimeout(check.ttlTimer);
    check.ttlTimer = setTimeout(
      () => this.#apply(state, check, "critical", "TTL expired", true),
      check.def.kind.ttlMs,
    );
    check.ttlTimer.unref();
  }

  /** A new state of a check: kept, its TTL started again, and told to the registry if it changed. */
  #apply(
    state: ServiceState,
    check: CheckState,
    status: Status,
    output: string,
    send: boolean,
  ): void {
    const changed = check.status !== status || check.output !== output;
    check.status = status;
    check.output = output;
    if (output !== "TTL expired") this.#armTtl(state, check);
    if (send && changed) void this.#send(state, check, status, output);
  }

  async #send(
    state: ServiceState,
    check: CheckState,
    status: Status,
    output: string,
    token?: string,
  ): Promise<UpstreamAnswer> {
    try {
      const answer = await this.#o.upstream.put(
        `/v1/agent/check/update/${check.def.upstreamId}`,
        { Status: status, Output: output },
        token ?? (await this.#tokenOf(state)),
      );
      if (answer.status === 404 && token === undefined) await this.#reregister(state);
      else if (answer.status !== 200)
        this.#o.log.warn(`update of ${check.def.checkId}: ${answer.status} ${answer.text}`);
      return answer;
    } catch (err) {
      // The registry is out of reach: the next keep-alive tells it.
      this.#o.log.warn(`update of ${check.def.checkId}: ${(err as Error).message}`);
      return { status: 503, text: (err as Error).message };
    }
  }

  async #reregister(state: ServiceState): Promise<void> {
    if (this.#services.get(state.reg.id) !== state) return;
    const answer = await this.#registerUpstream(state, true);
    if (answer.status !== 200)
      this.#o.log.warn(`registering ${state.reg.id} again: ${answer.status} ${answer.text}`);
  }

  async #refreshAll(): Promise<void> {
    for (const state of this.#services.values()) {
      for (const check of state.checks.values()) {
        const answer = await this.#send(state, check, check.status, check.output);
        if (answer.status === 404) break;
      }
    }
  }
}
