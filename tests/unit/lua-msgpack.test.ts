import { describe, expect, it } from 'vitest';
import { packArray, unpack } from '@/lib/server/redis/lua-msgpack';

// The MessagePack subset the queue probe exchanges with Redis' Lua cmsgpack (the integration tests
// run it through a real redis-server); here, every size class of every type round-trips.

describe('lua msgpack', () => {
  it('round-trips integers of every width and sign', () => {
    const ints = [0, 1, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -32, -33, -128, -129, -32_768, -32_769, -(2 ** 31), -(2 ** 31) - 1];
    expect(unpack(packArray(ints))).toEqual(ints);
  });

  it('round-trips byte strings of every length class as copies', () => {
    const strings = [0, 1, 31, 32, 255, 256, 65_535, 65_536].map((n) => Buffer.alloc(n, n % 251));
    const packed = packArray(strings);
    const back = unpack(packed) as Buffer[];
    expect(back.map((b) => b.length)).toEqual(strings.map((b) => b.length));
    back.forEach((b, i) => expect(b.equals(strings[i] ?? Buffer.alloc(0))).toBe(true));
    packed.fill(0); // a copy: not a view of the packed buffer
    expect(back[7]?.[0]).toBe(65_536 % 251);
  });

  it('writes the exact bytes cmsgpack expects (strings as str, never bin)', () => {
    expect(packArray([1, Buffer.from('ab')]).toString('hex')).toBe('9201a26162');
    expect(packArray([Buffer.alloc(40, 0x79)]).subarray(0, 3).toString('hex')).toBe('91d928');
    expect(packArray(Array(16).fill(0)).subarray(0, 3).toString('hex')).toBe('dc0010');
  });

  it('reads what cmsgpack writes, and refuses what it does not know', () => {
    // cmsgpack.pack({1, -5, 70000, 'ab', nil-free}) as captured from Redis 7.0
    expect(unpack(Buffer.from('9401fbce00011170a26162', 'hex'))).toEqual([1, -5, 70_000, Buffer.from('ab')]);
    expect(() => unpack(Buffer.from('c40161', 'hex'))).toThrow(/unsupported/);
    expect(() => unpack(Buffer.from('a3616263ff', 'hex'))).toThrow(/trailing/);
    expect(() => packArray([1.5])).toThrow(/safe integer/);
  });
});
