type Method = (...args: unknown[]) => unknown;

/**
 * `target` with each method replaced by what `wrap` makes of it (given the method's name and
 * the method bound to `target`); other properties pass through. Each wrapper is made once, on
 * first use, and made again only if the method itself changes: the wrapped stores are called
 * on every request.
 */
export function wrapMethods<T extends object>(
  target: T,
  wrap: (name: PropertyKey, method: Method) => Method,
): T {
  const made = new Map<PropertyKey, { value: unknown; fn: Method }>();
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== "function") return value;
      const known = made.get(property);
      if (known && known.value === value) return known.fn;
      const fn = wrap(property, (value as Method).bind(object));
      made.set(property, { value, fn });
      return fn;
    },
  });
}
