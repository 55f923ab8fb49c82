import 'server-only';
import type { BackendMeta } from '@/lib/schemas/api';
import { exceptionText, parseDateDone } from '../celery/result-meta';

// How a task's result-backend meta reads on its page: when it was done (epoch seconds, whatever
// Celery version wrote it) and its exception as Celery's events show one. Keeps pages off the
// protocol layer.

export interface BackendOutcome {
  doneAt: number | null;
  exception: string | null;
}

export function backendOutcome(meta: BackendMeta): BackendOutcome {
  return { doneAt: parseDateDone(meta.dateDone), exception: exceptionText(meta.result) };
}
