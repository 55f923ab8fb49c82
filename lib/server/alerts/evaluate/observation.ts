import type { Rule, Scope } from '../rules/schema';
import type { AlertInputs } from '../inputs';

// What evaluating one rule yields: the subjects whose condition holds now, each with the numbers
// that make it hold. A subject absent from a complete evaluation no longer holds (its incident
// resolves); `null` instead of a list means the rule could not be judged this cycle (its inputs are
// missing), so its incidents stay as they are rather than resolve on no evidence.

export interface Observation {
  /** Identifies the subject within the rule, e.g. "queue=emails". */
  subject: string;
  labels: Record<string, string>;
  value: number | null;
  threshold: number | null;
  summary: string;
  /** The numbers that fired it (shown in the incident's timeline and notifications). */
  details: Record<string, number | string | null>;
  /** Trellis view that explains it (path, without the public URL). */
  path: string;
}

export type Evaluation = Observation[] | null;

export type Evaluator = (rule: Rule, inputs: AlertInputs) => Evaluation;

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

const compiled = new Map<string, RegExp>();

/** Whether `value` matches one of the globs (`*`, `?`); no globs: everything matches. */
export function matchesAny(globs: readonly string[] | undefined, value: string | null | undefined): boolean {
  if (!globs || globs.length === 0) return true;
  if (value === null || value === undefined) return false;
  return globs.some((g) => {
    let re = compiled.get(g);
    if (!re) {
      if (compiled.size > 1_000) compiled.clear();
      compiled.set(g, (re = globToRegExp(g)));
    }
    return re.test(value);
  });
}

export function inScope(scope: Scope, subject: { queue?: string | null; task?: string | null; worker?: string | null }): boolean {
  return (
    (scope.queue === undefined || matchesAny(scope.queue, subject.queue)) &&
    (scope.task === undefined || matchesAny(scope.task, subject.task)) &&
    (scope.worker === undefined || matchesAny(scope.worker, subject.worker))
  );
}

// One formatter per precision: toLocaleString builds a new one per call (slow over thousands of subjects).
const FORMATS = [0, 1].map((d) => new Intl.NumberFormat('en-US', { maximumFractionDigits: d }));
export const fmt = (n: number, digits = 0) => (FORMATS[digits] ?? FORMATS[0])?.format(n) ?? String(n);

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'never';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5_400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${fmt(seconds / 3600, 1)} h`;
  return `${fmt(seconds / 86_400, 1)} d`;
}

export const encodePath = (s: string) => encodeURIComponent(s);
