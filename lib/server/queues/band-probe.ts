import 'server-only';
import type { ChainableCommander } from 'ioredis';
import type { BandObservation } from './flow';

// What one sample reads of each queue, queued on a broker pipeline the caller executes once:
// per band its depth, where the previous sample's newest message now sits and the newest message
// when it changed; per queue the next message to run when it changed. Two ways, same readings:
//  - 'script' (default): the Lua probe (probe-script.ts) sends a message back only when it
//    changed, so an idle or slow queue costs a few bytes whatever its messages weigh (ADR 0101);
//  - 'plain' (brokers that refuse scripting): LLEN, LINDEX 0 and LPOS per band and LINDEX -1 of
//    the band that held the head at the previous sample — every band's newest message every time.
// Messages are kept and compared as bytes (Buffers), never re-encoded.

export type ProbeMode = 'script' | 'plain';

/** Queues per script call: Redis runs a script alone, so a call is kept to about a millisecond. */
const QUEUES_PER_CALL = 100;
/** How far LPOS looks for the previous newest message: beyond it, `in` is "at least this many". */
export const LPOS_MAXLEN = 10_000;
/** Messages larger than this are not kept; their band's flow becomes a lower bound. */
const MAX_KEPT_MESSAGE = 64 * 1024;

export interface BandMemory {
  depth: number;
  /** The newest message at the last sample, when kept. */
  newest: Buffer | null;
}

export interface ProbeInput {
  bands: ReadonlyArray<{ step: number; key: string }>;
  /** Last sample's bands (null before the first sample). */
  prev: ReadonlyMap<number, BandMemory> | null;
  /** The next message to run at the last sample, when kept. */
  head: Buffer | null;
  /** The band that held it. */
  headBand: number | null;
}

export interface BandReading extends BandObservation {
  step: number;
  newest: Buffer | null;
}

export interface QueueReading {
  bands: BandReading[];
  /** The first non-empty band (the next message to run comes from it), null when the queue is empty. */
  headBand: number | null;
  /** The next message to run, when known. */
  head: Buffer | null;
  /** True when `head` was read this sample (a different message, or the first look). */
  headChanged: boolean;
}

type Reply = Array<[Error | null, unknown]>;
type Decoder = (res: Reply) => QueueReading[];

/** Queues the reads for `inputs` on `pipe`; returns the number of commands and a decoder for the reply. */
export function queueProbes(pipe: ChainableCommander, inputs: readonly ProbeInput[], mode: ProbeMode): { commands: number; decode: Decoder } {
  return mode === 'script' ? scriptProbes(pipe, inputs) : plainProbes(pipe, inputs);
}

const EMPTY = Buffer.alloc(0);
const prevNewest = (q: ProbeInput, step: number): Buffer | null => {
  const before = q.prev?.get(step);
  return before && before.depth > 0 ? before.newest : null;
};

function scriptProbes(pipe: ChainableCommander, inputs: readonly ProbeInput[]): { commands: number; decode: Decoder } {
  const base = pipe.length;
  const calls: Array<readonly ProbeInput[]> = [];
  for (let i = 0; i < inputs.length; i += QUEUES_PER_CALL) {
    const chunk = inputs.slice(i, i + QUEUES_PER_CALL);
    const keys: string[] = [];
    const args: Array<number | Buffer> = [MAX_KEPT_MESSAGE, LPOS_MAXLEN, chunk.length];
    for (const q of chunk) {
      const headAt = q.headBand === null ? -1 : q.bands.findIndex((b) => b.step === q.headBand);
      const headDepth = headAt < 0 ? 0 : (q.prev?.get(q.headBand ?? -1)?.depth ?? 0);
      args.push(q.bands.length, q.head ?? EMPTY, headAt + 1, headDepth);
      for (const b of q.bands) {
        keys.push(b.key);
        args.push(prevNewest(q, b.step) ?? EMPTY);
      }
    }
    pipe.trellisQueueProbeBuffer(keys.length, ...keys, ...args);
    calls.push(chunk);
  }
  const decode: Decoder = (res) =>
    calls.flatMap((chunk, c) => {
      const [err, value] = res[base + c] ?? [new Error('queue probe: no reply'), null];
      if (err) throw err;
      if (!Array.isArray(value)) throw new Error('queue probe: unexpected reply');
      const r = value as unknown[];
      let i = 0;
      return chunk.map((q): QueueReading => {
        const headState = Number(r[i++]);
        const headMessage = bytes(r[i++]);
        const bands = q.bands.map((b): BandReading => {
          const depth = Number(r[i++]) || 0;
          const pos = Number(r[i++]);
          const sent = bytes(r[i++]);
          // Position 0: nothing pushed since, the newest is the one kept.
          const newest = depth === 0 ? null : pos === 0 ? prevNewest(q, b.step) : sent;
          return { step: b.step, depth, newest, lpos: pos >= 0 ? pos : pos === -1 ? null : undefined, searched: LPOS_MAXLEN };
        });
        const headBand = bands.find((b) => b.depth > 0)?.step ?? null;
        const head = headState === 1 ? q.head : headState === 2 ? headMessage : null;
        return { bands, headBand, head, headChanged: headState >= 2 };
      });
    });
  return { commands: calls.length, decode };
}

function plainProbes(pipe: ChainableCommander, inputs: readonly ProbeInput[]): { commands: number; decode: Decoder } {
  const base = pipe.length;
  let n = base;
  const plan = inputs.map((q) => {
    const bands = q.bands.map((b) => {
      const prev = prevNewest(q, b.step);
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
    const val = (i: number | null | undefined): unknown => (i == null || res[i]?.[0] ? undefined : res[i]?.[1]);
    return inputs.map((q, qi): QueueReading => {
      const p = plan[qi];
      const bands = q.bands.map((b, bi): BandReading => {
        const at = p?.bands[bi];
        const depth = Number(val(at?.llen) ?? 0) || 0;
        const lpos = at?.lpos == null ? undefined : ((val(at.lpos) as number | null | undefined) ?? null);
        const newest = bytes(val(at?.newest));
        return { step: b.step, depth, newest: newest && newest.length <= MAX_KEPT_MESSAGE ? newest : null, lpos, searched: LPOS_MAXLEN };
      });
      const headBand = bands.find((b) => b.depth > 0)?.step ?? null;
      // LINDEX -1 read the band that held the head before; it is this sample's head only if still first.
      const read = headBand !== null && headBand === q.headBand ? bytes(val(p?.head)) : null;
      const head = read && read.length <= MAX_KEPT_MESSAGE ? read : null;
      return { bands, headBand, head, headChanged: head !== null && (q.head === null || !head.equals(q.head)) };
    });
  };
  return { commands: n - base, decode };
}

const bytes = (v: unknown): Buffer | null => (Buffer.isBuffer(v) && v.length > 0 ? v : null);
