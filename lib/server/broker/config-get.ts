import 'server-only';
import type Redis from 'ioredis';

// CONFIG GET of one setting, telling "not allowed" (managed Redis disables or renames CONFIG; an
// ACL may deny it: the server answers with an error) apart from a Redis that cannot be reached
// (rethrown: the caller's request fails as UNAVAILABLE rather than reporting "unknown").

export type ConfigValue = { value: string } | { value: null; reason: string };

export async function configGet(redis: Redis, name: string): Promise<ConfigValue> {
  try {
    const reply = (await redis.config('GET', name)) as unknown;
    if (Array.isArray(reply) && typeof reply[1] === 'string') return { value: reply[1] };
    return { value: null, reason: `CONFIG GET ${name} returned nothing` };
  } catch (err) {
    if (err instanceof Error && err.name === 'ReplyError') return { value: null, reason: `CONFIG GET is not allowed: ${err.message}` };
    throw err;
  }
}
