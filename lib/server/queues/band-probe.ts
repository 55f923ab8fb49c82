import 'server-only';
import type { ChainableCommander } from 'ioredis';
import { packArray, unpack } from '../redis/lua-msgpack';
import type { BandObservation } from './flow';

// What one sample reads of each queue, queued on a broker pipeline the caller executes once:
// per band its depth and how many messages were pushed since the last sample (where the previous
// newest message now sits); per queue the next message to run when it changed. Two ways, same
// readings:
//  - 'script' (default): the Lua probe (probe-script.ts) identifies messages by *marks* —
//    fingerprints, or the message itself for bands consumers take from — and reads only bands that
//    may have changed, so a sample costs little more than the LLENs (ADR 0101, 0102);
//  - 'plain' (brokers that refuse scripting): LLEN, LINDEX 0 and LPOS per band and LINDEX -1 of
//    the band that held the head at the previous sample — every band's newest message every time.
// Messages are kept and compared as bytes (Buffers), never re-encoded.

export type ProbeMode = 'script' | 'plain';

/** Queues per script call: Redis runs a script alone, so a call is kept to about a millisecond. */
const QUEUES_PER_CALL = 100;
/** How far LPOS looks for the previous newest message: beyond it, `in` is "at least this many". */
export const LPOS_MAXLEN = 10_000;
/** How deep the script looks for a fingerprint, and how many elements it reads so per call. */
const FINGERPRINT_SCAN = 256;
const SCAN_BUDGET_PER_CALL = 512;
/** Messages larger than this are not kept (their fingerprint is); in plain mode their band's flow
 *  becomes a lower bound. */
const MAX_KEPT_MESSAGE = 64 * 1024;

/** What identifies a message between samples: the message itself, or (script mode) its fingerprint. */
export interface Mark {
  kind: 'message' | 'fingerprint';
  bytes: Buffer;
}

export interface BandMemory {
  depth: number;
  /** The newest message at the last sample. */
  newest: Mark | null;
}

export interface ProbeInput {
  bands: ReadonlyArray<{ step: number; key: string }>;
  /** Last sample's bands (null before the first sample). */
  prev: ReadonlyMap<number, BandMemory> | null;
  /** The next message to run at the last sample. */
  head: Mark | null;
  /** The band that held it. */
  headBand: number | null;
}

export interface BandReading extends BandObservation {
  step: number;
  newest: Mark | null;
}

export interface QueueReading {
  bands: BandReading[];
  /** The first non-empty band (the next message to run comes from it), null when the queue is empty. */
  headBand: number | null;
  /** What identifies the next message to run, to pass back next sample. */
  head: Mark | null;
  /** The next message to run, when it changed this sample and was read (≤ 64 KB). */
  headMessage: Buffer | null;
  /** True when the next message to run is a different one than at the last sample (or the first look). */
  headChanged: boolean;
}

type Reply = Array<[Error | null, unknown]>;
type Decoder = (res: Reply) => QueueReading[];

/** Queues the reads for `inputs` on `pipe`; returns the number of commands and a decoder for the reply.
 *  `noWrites`: the broker is Redis ≥ 7, so the script can declare itself read-only. */
export function queueProbes(
  pipe: ChainableCommander,
  inputs: readonly ProbeInput[],
  mode: ProbeMode,
  opts: { noWrites?: boolean } = {},
): { commands: number; decode: Decoder } {
  return mode === 'script' ? scriptProbes(pipe, inputs, opts.noWrites ?? false) : plainProbes(pipe, inputs);
}

const EMPTY = Buffer.alloc(0);
const MARK_KIND = { none: 0, fingerprint: 1, message: 2 } as const;

function prevBand(q: ProbeInput, step: number): BandMemory | null {
  const before = q.prev?.get(step);
  return before && before.depth > 0 ? before : null;
}

function scriptProbes(pipe: ChainableCommander, inputs: readonly ProbeInput[], noWrites: boolean): { commands: number; decode: Decoder } {
  const base = pipe.length;
  const calls: Array<readonly ProbeInput[]> = [];
  for (let i = 0; i < inputs.length; i += QUEUES_PER_CALL) {
    const chunk = inputs.slice(i, i + QUEUES_PER_CALL);
    const keys: string[] = [];
    const args: Array<number | Buffer> = [MAX_KEPT_MESSAGE, LPOS_MAXLEN, FINGERPRINT_SCAN, SCAN_BUDGET_PER_CALL, chunk.length];
    for (const q of chunk) {
      let headAt = -1;
      for (let b = 0; q.headBand !== null && b < q.bands.length; b++) if (q.bands[b]?.step === q.headBand) headAt = b;
      const headMark = q.head?.kind === 'fingerprint' ? q.head.bytes : EMPTY;
      args.push(q.bands.length * 64 + headAt + 1, headMark);
      for (const b of q.bands) {
        keys.push(b.key);
        const before = prevBand(q, b.step);
        const mark = before?.newest ?? null;
        args.push((before?.depth ?? 0) * 4 + (mark ? MARK_KIND[mark.kind] : MARK_KIND.none));
        if (mark) args.push(mark.bytes);
      }
    }
    const packed = packArray(args);
    if (noWrites) pipe.trellisQueueProbeRoBuffer(keys.length, ...keys, packed);
    else pipe.trellisQueueProbeBuffer(keys.length, ...keys, packed);
    calls.push(chunk);
  }
  const decode: Decoder = (res) =>
    calls.flatMap((chunk, c) => {
      const [err, value] = res[base + c] ?? [new Error('queue probe: no reply'), null];
      if (err) throw err;
      const r = Buffer.isBuffer(value) ? unpack(value) : null;
      if (!Array.isArray(r)) throw new Error('queue probe: unexpected reply');
      let i = 0;
      return chunk.map((q): QueueReading => {
        const headState = Number(r[i++]);
        const headPrint = headState >= 2 ? bytes(r[i++]) : null;
        const headMessage = headState === 2 ? bytes(r[i++]) : null;
        const bands = q.bands.map((b): BandReading => {
          const depth = Number(r[i++]) || 0;
          const packed = Number(r[i++]);
          const kind = ((packed % 4) + 4) % 4;
          const pos = (packed - kind) / 4;
          const mark = kind !== MARK_KIND.none ? bytes(r[i++]) : null;
          const newest =
            depth === 0 ? null
            : kind === MARK_KIND.message && mark ? { kind: 'message' as const, bytes: mark }
            : kind === MARK_KIND.fingerprint && mark ? { kind: 'fingerprint' as const, bytes: mark }
            : (prevBand(q, b.step)?.newest ?? null);
          // Position code: ≥ 0 found there; -1 not asked; ≤ -2 not found after looking at -2 - code.
          const lpos = pos >= 0 ? pos : pos === -1 ? undefined : null;
          return { step: b.step, depth, newest, lpos, searched: pos <= -2 ? -2 - pos : 0 };
        });
        const headBand = bands.find((b) => b.depth > 0)?.step ?? null;
        const changed = headState >= 2;
        const head = headState === 1 ? q.head : changed && headPrint ? { kind: 'fingerprint' as const, bytes: headPrint } : null;
        return { bands, headBand, head, headMessage, headChanged: changed };
      });
    });
  return { commands: calls.length, decode };
}

function plainProbes(pipe: ChainableCommander, inputs: readonly ProbeInput[]): { commands: number; decode: Decoder } {
  const base = pipe.length;
  let n = base;
  // Plain reads compare whole messages: a fingerprint (left by the script mode) tells them nothing.
  const kept = (m: Mark | null | undefined): Buffer | null => (m?.kind === 'message' ? m.bytes : null);
  const plan = inputs.map((q) => {
    const bands = q.bands.map((b) => {
      const prev = kept(prevBand(q, b.step)?.newest);
      const at = { llen: n++, newest: n++, lpos: prev !== null ? n++ : null };
      pipe.llen(b.key).lindexBuffer(b.key, 0);
      if (prev !== null) pipe.lpos(b.key, prev, 'MAXLEN', LPOS_MAXLEN);
      return at;
    });
    const hb = q.headBand !== null ? q.bands.find((b) => b.step === q.headBand) : undefined;
    if (hb) pipe.lindexBuffer(hb.key, -1);
    return { bands, head: hb ? n++ : null };
  });
  const decode: Decoder = (res) => {
    // A depth Redis would not give is a failed sample, not an empty band — except a key that is
    // not a list (WRONGTYPE), which holds nothing Trellis can count.
    for (const p of plan) {
      for (const at of p.bands) {
        const err = res[at.llen]?.[0];
        if (err && !/WRONGTYPE/.test(err.message)) throw err;
      }
    }
    const val = (i: number | null | undefined): unknown => (i == null || res[i]?.[0] ? undefined : res[i]?.[1]);
    return inputs.map((q, qi): QueueReading => {
      const p = plan[qi];
      const bands = q.bands.map((b, bi): BandReading => {
        const at = p?.bands[bi];
        const depth = Number(val(at?.llen) ?? 0) || 0;
        const newest = bytes(val(at?.newest));
        const prev = kept(prevBand(q, b.step)?.newest);
        const mark = newest && newest.length <= MAX_KEPT_MESSAGE ? { kind: 'message' as const, bytes: newest } : null;
        // The newest is the same message: nothing pushed, whatever LPOS said (or could not say:
        // Redis before 6.0.6 has no LPOS; then a changed newest means at least one pushed).
        if (prev && newest && newest.equals(prev)) return { step: b.step, depth, newest: mark, lpos: 0, searched: 0 };
        const lposFailed = at?.lpos != null && res[at.lpos]?.[0] != null;
        if (lposFailed) return { step: b.step, depth, newest: mark, lpos: null, searched: 1 };
        const lpos = at?.lpos == null ? undefined : ((val(at.lpos) as number | null | undefined) ?? null);
        return { step: b.step, depth, newest: mark, lpos, searched: Math.min(depth, LPOS_MAXLEN) };
      });
      const headBand = bands.find((b) => b.depth > 0)?.step ?? null;
      // LINDEX -1 read the band that held the head before; it is this sample's head only if still first.
      const read = headBand !== null && headBand === q.headBand ? bytes(val(p?.head)) : null;
      const message = read && read.length <= MAX_KEPT_MESSAGE ? read : null;
      const before = kept(q.head);
      const changed = message !== null && (before === null || !message.equals(before));
      return {
        bands,
        headBand,
        head: message ? { kind: 'message', bytes: message } : null,
        headMessage: changed ? message : null,
        headChanged: changed,
      };
    });
  };
  return { commands: n - base, decode };
}

const bytes = (v: unknown): Buffer | null => (Buffer.isBuffer(v) && v.length > 0 ? v : null);
