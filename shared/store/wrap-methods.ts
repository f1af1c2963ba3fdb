export type Method = (...args: unknown[]) => unknown;

/**
 * `target` with the methods `names` replaced by what `wrap` makes of each (given its name and
 * the method bound to `target`). Every other property passes through, its methods bound to
 * `target` too, so a method of the engine's own (SQLite's `sweep`) still reaches its private
 * fields. Each wrapper is made once, on first use, and made again only if the method itself
 * changes: the wrapped stores are called on every request.
 */
export function wrapMethods<
  K extends string,
  T extends { [P in K]: (...args: never[]) => unknown },
>(target: T, names: readonly K[], wrap: (name: K, method: Method) => Method): T {
  const wrapped = new Set<PropertyKey>(names);
  const made = new Map<PropertyKey, { value: unknown; fn: Method }>();
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== "function") return value;
      const known = made.get(property);
      if (known && known.value === value) return known.fn;
      const bound = (value as Method).bind(object);
      const fn = wrapped.has(property) ? wrap(property as K, bound) : bound;
      made.set(property, { value, fn });
      return fn;
    },
  });
}
