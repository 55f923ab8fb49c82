import 'server-only';
import type { Principal } from '../auth/authenticate';
import type { TrellisContext } from '../context';
import type { RedactView } from '../redaction';
import type { PeekedMessage } from '../queues/types';
import type { BandCount } from './archive';

// What every queue action takes, as the style's domain verbs do: the context, who acts (for the
// permission already checked by the route, the audit entry and the task notes), the request id,
// what they may see of task arguments (dry-run samples), and the verb's own input.

export interface QueueVerb<I> {
  ctx: TrellisContext;
  principal: Principal;
  requestId: string | null;
  view: RedactView;
  input: I;
}

/** A dry run's answer: nothing changed. */
export interface QueueDryRun {
  dryRun: true;
  queue: string;
  /** How many messages the action would take. */
  count: number;
  bands: BandCount[];
  /** The first of them, next to run first (arguments redacted as the caller may see them). */
  sample: PeekedMessage[];
}

export const SAMPLE_SIZE = 10;
/** Task notes ("purged", "moved", "restored") for at most this many tasks per action: a purge of a million is noted for the first 1,000 to run. */
export const NOTE_BOUND = 1_000;

export const total = (bands: readonly BandCount[]) => bands.reduce((s, b) => s + b.count, 0);
