import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

// The request id of the request being served, for every log line written while serving it
// (logger.ts mixes it in), whichever module writes the line.

const scope = new AsyncLocalStorage<{ requestId: string }>();

/** proxy.ts sets x-request-id on every request it forwards; direct calls get a fresh id. */
export function requestIdOf(request: Request): string {
  const given = request.headers.get('x-request-id');
  return given && /^[A-Za-z0-9-]{8,64}$/.test(given) ? given : randomUUID();
}

export function inRequestScope<T>(requestId: string, run: () => T): T {
  return scope.run({ requestId }, run);
}

/** pino mixin: `{ requestId }` inside a request, nothing outside. */
export function requestLogFields(): { requestId?: string } {
  const current = scope.getStore();
  return current ? { requestId: current.requestId } : {};
}
