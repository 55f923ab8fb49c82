// The subset of MessagePack that Redis' Lua `cmsgpack` reads and writes: integers, strings (as
// bytes; cmsgpack has no `bin` types and refuses them), arrays and nil. A script that takes its
// arguments as one packed string and returns one packs tens of thousands of values in C instead of
// paying Redis' per-argument and per-reply-element cost (ADR 0102). Pure.

export type LuaPackValue = number | Buffer;
export type LuaUnpacked = number | Buffer | null | LuaUnpacked[];

/** Packs a flat array of integers (|n| < 2^53) and byte strings. */
export function packArray(values: readonly LuaPackValue[]): Buffer {
  let size = headerSize(values.length, 0x0f);
  for (const v of values) size += typeof v === 'number' ? intSize(v) : headerSize(v.length, 0x1f) + v.length;
  const out = Buffer.allocUnsafe(size);
  let at = writeHeader(out, 0, values.length, 0x90, 0x0f, 0xdc, 0xdd, null);
  for (const v of values) {
    if (typeof v === 'number') at = writeInt(out, at, v);
    else {
      at = writeHeader(out, at, v.length, 0xa0, 0x1f, 0xda, 0xdb, 0xd9);
      at += v.copy(out, at);
    }
  }
  return out;
}

/** Unpacks one value; strings come back as copies (safe to keep). */
export function unpack(buf: Buffer): LuaUnpacked {
  const r = { at: 0 };
  const v = read(buf, r);
  if (r.at !== buf.length) throw new Error(`msgpack: ${buf.length - r.at} trailing bytes`);
  return v;
}

function headerSize(n: number, fixMax: number): number {
  if (n <= fixMax) return 1;
  if (fixMax === 0x1f && n <= 0xff) return 2; // str8
  return n <= 0xffff ? 3 : 5;
}

function writeHeader(out: Buffer, at: number, n: number, fix: number, fixMax: number, b16: number, b32: number, b8: number | null): number {
  if (n <= fixMax) return out.writeUInt8(fix | n, at);
  if (b8 !== null && n <= 0xff) return out.writeUInt8(n, out.writeUInt8(b8, at));
  if (n <= 0xffff) return out.writeUInt16BE(n, out.writeUInt8(b16, at));
  return out.writeUInt32BE(n, out.writeUInt8(b32, at));
}

function intSize(n: number): number {
  if (!Number.isSafeInteger(n)) throw new Error(`msgpack: not a safe integer: ${n}`);
  if (n >= 0) return n <= 0x7f ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
  return n >= -32 ? 1 : n >= -0x80 ? 2 : n >= -0x8000 ? 3 : n >= -0x80000000 ? 5 : 9;
}

function writeInt(out: Buffer, at: number, n: number): number {
  if (n >= 0) {
    if (n <= 0x7f) return out.writeUInt8(n, at);
    if (n <= 0xff) return out.writeUInt8(n, out.writeUInt8(0xcc, at));
    if (n <= 0xffff) return out.writeUInt16BE(n, out.writeUInt8(0xcd, at));
    if (n <= 0xffffffff) return out.writeUInt32BE(n, out.writeUInt8(0xce, at));
    return out.writeBigUInt64BE(BigInt(n), out.writeUInt8(0xcf, at));
  }
  if (n >= -32) return out.writeInt8(n, at);
  if (n >= -0x80) return out.writeInt8(n, out.writeUInt8(0xd0, at));
  if (n >= -0x8000) return out.writeInt16BE(n, out.writeUInt8(0xd1, at));
  if (n >= -0x80000000) return out.writeInt32BE(n, out.writeUInt8(0xd2, at));
  return out.writeBigInt64BE(BigInt(n), out.writeUInt8(0xd3, at));
}

function read(buf: Buffer, r: { at: number }): LuaUnpacked {
  const t = buf.readUInt8(r.at++);
  if (t <= 0x7f) return t;
  if (t >= 0xe0) return t - 0x100;
  if (t >= 0xa0 && t <= 0xbf) return bytes(buf, r, t & 0x1f);
  if (t >= 0x90 && t <= 0x9f) return list(buf, r, t & 0x0f);
  const at = r.at;
  switch (t) {
    case 0xc0: return null;
    case 0xcc: r.at += 1; return buf.readUInt8(at);
    case 0xcd: r.at += 2; return buf.readUInt16BE(at);
    case 0xce: r.at += 4; return buf.readUInt32BE(at);
    case 0xcf: r.at += 8; return Number(buf.readBigUInt64BE(at));
    case 0xd0: r.at += 1; return buf.readInt8(at);
    case 0xd1: r.at += 2; return buf.readInt16BE(at);
    case 0xd2: r.at += 4; return buf.readInt32BE(at);
    case 0xd3: r.at += 8; return Number(buf.readBigInt64BE(at));
    case 0xcb: r.at += 8; return buf.readDoubleBE(at);
    case 0xd9: r.at += 1; return bytes(buf, r, buf.readUInt8(at));
    case 0xda: r.at += 2; return bytes(buf, r, buf.readUInt16BE(at));
    case 0xdb: r.at += 4; return bytes(buf, r, buf.readUInt32BE(at));
    case 0xdc: r.at += 2; return list(buf, r, buf.readUInt16BE(at));
    case 0xdd: r.at += 4; return list(buf, r, buf.readUInt32BE(at));
    default: throw new Error(`msgpack: unsupported type 0x${t.toString(16)}`);
  }
}

function bytes(buf: Buffer, r: { at: number }, n: number): Buffer {
  if (r.at + n > buf.length) throw new Error('msgpack: truncated string');
  const s = Buffer.from(buf.subarray(r.at, r.at + n));
  r.at += n;
  return s;
}

function list(buf: Buffer, r: { at: number }, n: number): LuaUnpacked[] {
  const out: LuaUnpacked[] = new Array<LuaUnpacked>(n);
  for (let i = 0; i < n; i++) out[i] = read(buf, r);
  return out;
}
