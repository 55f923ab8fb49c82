import Redis from 'ioredis';

/** Counts socket writes (≈ round trips: ioredis writes a pipeline in one go) on a connection. */
export function counted(url: string): { client: Redis; writes: () => number } {
  const client = new Redis(url);
  let n = 0;
  client.on('connect', () => {
    const stream = (client as unknown as { stream: { write: (...a: unknown[]) => boolean } }).stream;
    const write = stream.write.bind(stream);
    stream.write = (...a: unknown[]) => {
      n++;
      return write(...a);
    };
  });
  return { client, writes: () => n };
}
