import 'server-only';
import { z } from 'zod';
import { AppError, type ErrorBody } from '@/lib/errors';
import { logger } from '../logger';
import { getContext, type TrellisContext } from '../context';
import { hostAllowed } from './allowed-hosts';
import type { RouteDoc, RouteSpec } from '@/lib/openapi/route-spec';
import { authorize, type Permission, type Principal } from './authorize';
import { readFormParams } from './form-params';
import { readJsonBody } from './json-body';
import { rateKindOf, rateLimit, RateLimitedError, type RateKind } from './rate-limit';
import { inRequestScope, requestIdOf } from './request-scope';
import { securityHeaders, servedOverHttps } from './security-headers';

// Every route handler goes through withRoute: it checks the Host header (DNS rebinding), checks
// the route's permission, takes a token from the caller's rate-limit bucket, parses params, query
// and body with zod (types are inferred), attaches a request id and the security headers, and maps
// every error to the one error contract. No stack trace ever reaches a client. A broker/store/backend Redis that cannot be
// reached or does not answer within TRELLIS_REDIS_TIMEOUT (a stalled server, a Sentinel failover
// in progress) is 503 UNAVAILABLE (the request may succeed later), not 500 and not a hung request.

type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };

export interface RouteInput<Q, P, B = unknown, Pr = Principal> {
  query: Q;
  params: P;
  body: B;
  request: Request;
  ctx: TrellisContext;
  principal: Pr;
  requestId: string;
}

export interface RouteOptions<QS extends z.ZodType, PS extends z.ZodType, BS extends z.ZodType> {
  /** 'public': no credentials needed (sign-in, sign-out); the handler gets PUBLIC as principal and must not rely on it. */
  permission: Permission | 'public';
  query?: QS;
  params?: PS;
  /** A JSON request body (POST); an empty body parses as {}. */
  body?: BS;
  /** Instead of `body`: Flower-style parameters (query string, form fields or a JSON object, merged), parsed into `body`. */
  form?: BS;
  /** The rate-limit bucket; by default 'action' for permissions ending in ':act', else 'read'. A login route passes 'login'. */
  rateLimit?: RateKind;
  /** For the OpenAPI document (lib/openapi): what the route does and answers. */
  doc?: RouteDoc;
}

export function withRoute<QS extends z.ZodType = z.ZodUnknown, PS extends z.ZodType = z.ZodUnknown, BS extends z.ZodType = z.ZodUnknown>(
  options: RouteOptions<QS, PS, BS>,
  handler: (input: RouteInput<z.output<QS>, z.output<PS>, z.output<BS>>) => Promise<unknown> | unknown,
) {
  const route = async (request: Request, routeContext?: RouteContext): Promise<Response> => {
    const requestId = requestIdOf(request);
    return inRequestScope(requestId, async () => {
      let ctx: TrellisContext | undefined;
      let response: Response;
      try {
        ctx = getContext();
        if (!hostAllowed(request.headers.get('host') ?? new URL(request.url).host, ctx.config.allowedHosts)) {
          throw new AppError('HOST_NOT_ALLOWED', 'this Host is not one Trellis is served at (TRELLIS_ALLOWED_HOSTS)');
        }
        const principal = await authorizeCounted(ctx, request, options.permission);
        await rateLimit(ctx, request, principal, options.rateLimit ?? rateKindOf(options.permission));
        const query = options.query ? options.query.parse(searchParamsToObject(new URL(request.url).searchParams)) : undefined;
        const params = options.params ? options.params.parse((await routeContext?.params) ?? {}) : undefined;
        // A body where none is expected gets the same checks (413/415/400), then is ignored.
        const raw = options.form ? await readFormParams(request) : options.body || !BODYLESS.has(request.method) ? await readJsonBody(request) : undefined;
        const bodySchema = options.form ?? options.body;
        const body = bodySchema ? bodySchema.parse(raw) : undefined;
        // Read-only mode: a valid request to act on the cluster (dry runs included) is refused here,
        // for the native and Flower-compatible paths alike; the domain's runAction checks again.
        if (ctx.config.readOnly && CLUSTER_ACTIONS.has(options.permission)) throw new AppError('READ_ONLY', 'Trellis runs read-only (TRELLIS_READ_ONLY): actions are disabled');
        const result = await handler({
          query: query as z.output<QS>,
          params: params as z.output<PS>,
          body: body as z.output<BS>,
          request,
          ctx,
          principal,
          requestId,
        });
        response = result instanceof Response ? result : Response.json(result, { headers: { 'cache-control': 'no-store' } });
      } catch (err) {
        response = errorResponse(err, requestId);
      }
      return withProtectionHeaders(response, request, requestId, ctx?.config.alerts.publicUrl);
    });
  };
  // What the route requires, readable by tests (the role × route matrix enumerates every route),
  // and what it validates and answers, from which lib/openapi generates the OpenAPI document.
  const { permission, query, params, body, form, doc } = options;
  const spec: RouteSpec = { permission, query, params, body, form, doc };
  return Object.assign(route, { spec });
}

const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Permissions that act on the cluster: refused in read-only mode (alerts' acknowledgements and silences are Trellis' own). */
const CLUSTER_ACTIONS = new Set<Permission | 'public'>(['tasks:act', 'workers:act', 'queues:act', 'queues:delete']);

/** The principal of a public route: grants nothing (public routes check what they need themselves). */
const PUBLIC: Principal = { id: 'public', kind: 'anonymous', name: 'anonymous', role: 'viewer' };

/** Refused credentials (a guessed token, a forged cookie) spend the address's login bucket, so guessing is throttled like logins. */
async function authorizeCounted(ctx: TrellisContext, request: Request, permission: Permission | 'public'): Promise<Principal> {
  if (permission === 'public') return PUBLIC;
  try {
    return await authorize(ctx, request, permission);
  } catch (err) {
    // Wrong or missing credentials spend the address's login budget (guessing tokens is slowed like
    // guessing passwords); a valid caller refused for its role (403) does not.
    if (err instanceof AppError && err.code === 'UNAUTHORIZED') await rateLimit(ctx, request, null, 'login');
    throw err;
  }
}

/** The request id and security headers, on success and error responses alike. */
function withProtectionHeaders(response: Response, request: Request, requestId: string, publicUrl: string | undefined): Response {
  const headers = { 'x-request-id': requestId, ...securityHeaders({ https: servedOverHttps(request.headers, publicUrl), api: true }) };
  try {
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  } catch {
    // a Response with immutable headers (e.g. one passed through from fetch): copy it
    const copy = new Response(response.body, response);
    for (const [name, value] of Object.entries(headers)) copy.headers.set(name, value);
    return copy;
  }
}

/** Repeated keys become arrays (`?state=A&state=B`); single keys stay strings. */
export function searchParamsToObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    out[key] = all.length > 1 ? all : (all[0] ?? '');
  }
  return out;
}

export function errorResponse(err: unknown, requestId: string): Response {
  const extraHeaders: Record<string, string> = {};
  let status: number;
  let body: ErrorBody;
  if (err instanceof z.ZodError) {
    status = 422;
    const message = err.issues
      .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
      .join('; ');
    body = { error: { code: 'INVALID_INPUT', message } };
  } else if (err instanceof AppError) {
    status = err.status;
    body = { error: { code: err.code, message: err.message } };
    if (err instanceof RateLimitedError) extraHeaders['retry-after'] = String(err.retryAfterSeconds);
    if (status >= 500) logger.error({ requestId, err, cause: err.cause }, 'request failed');
  } else if (isConnectionError(err)) {
    status = 503;
    body = { error: { code: 'UNAVAILABLE', message: `Redis (broker, store or result backend) is unreachable; try again (request ${requestId})` } };
    logger.warn({ requestId, err: (err as Error).message }, 'request failed: Redis unreachable');
  } else {
    status = 500;
    body = { error: { code: 'INTERNAL', message: `Internal error (request ${requestId})` } };
    logger.error({ requestId, err }, 'unhandled error in route');
  }
  return Response.json(body, { status, headers: { 'x-request-id': requestId, 'cache-control': 'no-store', ...extraHeaders } });
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const CONNECTION_MESSAGES =
  /Connection is closed|Stream isn't writeable|Reached the max retries per request limit|connect ECONNREFUSED|read ECONNRESET|Command timed out|All sentinels are unreachable|^READONLY /i;

/** ioredis' errors for a Redis it cannot reach or that does not answer in time (also when wrapped as a cause, or inside an AggregateError). */
export function isConnectionError(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 4) return false;
  const code = (err as NodeJS.ErrnoException).code;
  if (err.name === 'MaxRetriesPerRequestError' || (code !== undefined && CONNECTION_CODES.has(code)) || CONNECTION_MESSAGES.test(err.message)) return true;
  if (err instanceof AggregateError && err.errors.some((e) => isConnectionError(e, depth + 1))) return true;
  return isConnectionError(err.cause, depth + 1);
}
