// Records keyed by task or group ids, which come from outside: "constructor" or "__proto__" must
// find nothing, not Object.prototype's (the fuzz run found a 500 here).

/** A record's own entry, or undefined. */
export function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
