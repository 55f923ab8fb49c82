// The ingest thread's backlog: raw event messages read from the socket and not yet handed to the
// collector, bounded in bytes. Kept raw (not decoded) because raw is the most compact form and
// decoding is deferred until the collector can take more. A FIFO with a moving head, compacted now
// and then, so push and take are O(1) amortised.

export class Backlog {
  private items: Buffer[] = [];
  private times: number[] = [];
  private head = 0;
  private bytesHeld = 0;
  /** Highest byte count held since start. */
  peakBytes = 0;

  constructor(readonly limitBytes: number) {}

  get bytes(): number {
    return this.bytesHeld;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** When the oldest message held was read (null when empty). */
  get oldestAt(): number | null {
    return this.length > 0 ? (this.times[this.head] ?? null) : null;
  }

  /** Keeps the message unless that would pass the bound (then false: the caller counts a drop). */
  push(data: Buffer, receivedAt: number): boolean {
    if (this.bytesHeld + data.length > this.limitBytes) return false;
    this.items.push(data);
    this.times.push(receivedAt);
    this.bytesHeld += data.length;
    if (this.bytesHeld > this.peakBytes) this.peakBytes = this.bytesHeld;
    return true;
  }

  /** Removes and returns up to `maxMessages` oldest messages, stopping after `maxBytes`. */
  take(maxMessages: number, maxBytes: number): Array<{ data: Buffer; at: number }> {
    const out: Array<{ data: Buffer; at: number }> = [];
    let bytes = 0;
    while (this.head < this.items.length && out.length < maxMessages && bytes < maxBytes) {
      const data = this.items[this.head] as Buffer;
      out.push({ data, at: this.times[this.head] as number });
      bytes += data.length;
      this.bytesHeld -= data.length;
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return out;
  }
}
