import 'server-only';
import { bootConfig } from './boot';
import { logBrokerReport } from './broker/startup-report';
import { getContext } from './context';
import { ensureAdmin } from './auth/users';
import { startProcessCollector, stopCollectorOnSignals } from './collector/runtime';

// Start-up inside the Next.js server process (see instrumentation.ts).

export async function startInServer(): Promise<void> {
  const cfg = bootConfig('web');
  void logBrokerReport(getContext());
  await ensureAdmin(getContext());
  if (cfg.collector === 'auto') {
    stopCollectorOnSignals();
    await startProcessCollector(getContext());
  }
}
