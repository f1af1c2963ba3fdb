import type { Rng } from "../rng.js";
import type { Balancer, BalancerName } from "./balancer.js";
import { LeastConnections } from "./least-connections.js";
import { PowerOfTwo } from "./power-of-two.js";
import { RandomBalancer } from "./random.js";
import { RoundRobin } from "./round-robin.js";
import { WeightedRoundRobin } from "./weighted-round-robin.js";

export {
  BALANCER_NAMES,
  type Balancer,
  type BalancerName,
  InFlight,
  type Pickable,
} from "./balancer.js";
export { LeastConnections, PowerOfTwo, RandomBalancer, RoundRobin, WeightedRoundRobin };

/** A balancer by name, as a configuration file or a flag names it. */
export function createBalancer(name: BalancerName, options: { rng?: Rng } = {}): Balancer {
  switch (name) {
    case "round-robin":
      return new RoundRobin();
    case "random":
      return new RandomBalancer(options);
    case "weighted-round-robin":
      return new WeightedRoundRobin();
    case "least-connections":
      return new LeastConnections(options);
    case "power-of-two":
      return new PowerOfTwo(options);
  }
}
