// Identical concurrent reads share one promise: while a read of `key` on `owner` (e.g. a Redis
// client) is in flight, callers of the same key get its result instead of starting another.
// Per process; nothing is kept once the read settles.

const inFlight = new WeakMap<object, Map<string, Promise<unknown>>>();

export function singleFlight<T>(owner: object, key: string, read: () => Promise<T>): Promise<T> {
  let byKey = inFlight.get(owner);
  if (!byKey) inFlight.set(owner, (byKey = new Map()));
  const pending = byKey.get(key) as Promise<T> | undefined;
  if (pending) return pending;
  const map = byKey;
  const p = read().finally(() => map.delete(key));
  map.set(key, p);
  return p;
}
