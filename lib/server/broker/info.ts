import { parseInfo } from '../redis/info';

// What the broker domain reads from Redis INFO. The parser itself lives in the redis layer.

export { parseInfo };

/** Redis' own CPU time (system + user seconds) from INFO cpu. */
export function cpuSeconds(text: string): number | null {
  const info = parseInfo(text);
  const sys = Number(info.get('used_cpu_sys'));
  const user = Number(info.get('used_cpu_user'));
  return Number.isFinite(sys) && Number.isFinite(user) ? sys + user : null;
}
