// JSON as kombu writes it (Python's json.dumps defaults: ", " and ": " separators, non-ASCII
// escaped), so messages built by Trellis' benchmarks and tests are byte-for-byte shaped like a
// worker's (the queue probe, for one, finds the delivery tag by its exact spelling).

export function kombuJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(kombuJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${fields.map(([k, v]) => `${ascii(JSON.stringify(k))}: ${kombuJson(v)}`).join(', ')}}`;
  }
  return ascii(JSON.stringify(value) ?? 'null');
}

const ascii = (json: string) => json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
