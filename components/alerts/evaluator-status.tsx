import { TimeAgo } from '@/components/shell/time-mode';
import type { EvaluatorCycle } from './types';

/** The evaluator's last cycle, discreetly: when, how long, and any rule that failed. */
export function EvaluatorStatus({ cycle }: { cycle: EvaluatorCycle | null }) {
  if (!cycle) return <p className="text-xs text-muted" data-testid="evaluator-status">Rules not evaluated yet: no collecting process has run a cycle.</p>;
  return (
    <div className="text-xs text-muted" data-testid="evaluator-status">
      Rules evaluated <TimeAgo ts={cycle.at} /> in {cycle.durationMs.toFixed(0)} ms ({cycle.rules} rules)
      {cycle.errors.length > 0 && (
        <ul className="mt-1 text-bad">
          {cycle.errors.map((e) => (
            <li key={e.rule}>
              {e.rule}: {e.error}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
