import type { TrellisConfig } from '../config';
import { createRedactor, type Redactor } from './redactor';

// Redaction of task data on its way out of the server (issue 10 point 5, ADR 0016): one redactor
// per configuration, built once (the key patterns compile to a matcher).

export { FULL_VIEW, HIDDEN, hidePayload, type RedactView } from './hide';
export { MASK, type Redactor } from './redactor';
export { redactBackendMeta, redactNotice, redactTaskDetail, redactTaskSummary } from './task-views';
export { redactInspectReply } from './inspect-replies';
export { redactPeekPage } from './peek-page';

const byConfig = new WeakMap<TrellisConfig, Redactor>();

export function redactorFor(config: TrellisConfig): Redactor {
  let r = byConfig.get(config);
  if (!r) byConfig.set(config, (r = createRedactor(config.redactKeys)));
  return r;
}
