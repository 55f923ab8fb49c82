import { z } from 'zod';
import type { RouteSpec } from './route-spec';
import { toJsonSchema, type JsonSchema } from './json-schema';
import { operation } from './operation';
import { routeModules } from './routes';

// The OpenAPI 3.1 document served at /api/v1/openapi.json, generated from what every route's
// withRoute recorded (lib/openapi/route-spec.ts): nothing here is written by hand but the frame.

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const ErrorSchema = z
  .object({ error: z.object({ code: z.string().describe('e.g. INVALID_INPUT, NOT_FOUND, UNAVAILABLE'), message: z.string() }) })
  .meta({ id: 'Error' });

const TAGS: Record<string, string> = {
  alerts: 'Incidents, rules, silences and notification channels',
  auth: 'Sign-in, sign-out and who the caller is',
  broker: "The broker Redis: memory, eviction, clients, Trellis' store",
  flower: 'Paths Flower answers, kept for its scripts',
  health: "Redis reachability and the collector's state",
  metrics: 'Prometheus exposition',
  'openapi.json': 'This document',
  queues: 'Queues: depth, consumers, flow, history and a peek at waiting messages',
  stats: 'Task throughput over time',
  stream: 'Live updates over server-sent events',
  tasks: 'Tasks as Celery events and the result backend report them',
  tokens: 'API tokens for scripts (admin)',
  workers: 'Workers and read-only inspection',
};

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

/** The tag of a path: its first segment after /api/v1 (Flower's paths and /metrics have their own). */
function tagOf(path: string): string {
  if (path === '/metrics') return 'metrics';
  if (!path.startsWith('/api/v1/')) return 'flower';
  return path.split('/')[3] ?? 'api';
}

function specOf(handler: unknown): RouteSpec | null {
  return typeof handler === 'function' && 'spec' in handler ? (handler.spec as RouteSpec) : null;
}

function build() {
  const schemas: Record<string, JsonSchema> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, mod] of Object.entries(routeModules).sort(([a], [b]) => a.localeCompare(b))) {
    for (const method of METHODS) {
      const spec = specOf(mod[method.toUpperCase()]);
      if (spec) (paths[path] ??= {})[method] = operation(spec, method, path, tagOf(path), schemas);
    }
  }
  toJsonSchema(ErrorSchema, 'output', schemas);
  return {
    openapi: '3.1.0' as const,
    info: {
      title: 'Trellis API',
      version: '1',
      description:
        'Monitoring and operations for Celery clusters on Redis. Lists are `{"items": [...], "nextCursor": ...}`; errors are `{"error": {"code", "message"}}`: 400 malformed JSON, 413 body too large, 415 body not application/json, 401 no or bad credentials, 403 the role does not allow it, 404 not found, 422 a field is invalid, 429 rate limited (see Retry-After), 503 Redis unreachable.',
    },
    servers: [{ url: '/' }],
    tags: [...new Set(Object.keys(paths).map(tagOf))].sort().map((name) => ({ name, description: TAGS[name] ?? name })),
    paths,
    components: {
      schemas,
      responses: {
        BadRequest: errorResponse('The body is not valid JSON'),
        TooLarge: errorResponse('The body is larger than the API accepts'),
        UnsupportedMediaType: errorResponse('The body is not sent as application/json'),
        Unauthorized: errorResponse('No credentials, or a bad, expired or revoked token'),
        Forbidden: errorResponse("The caller's role does not allow this"),
        NotFound: errorResponse('Not found'),
        Invalid: errorResponse('A parameter or body field is invalid'),
        TooManyRequests: errorResponse('Rate limited; retry after the Retry-After header'),
        Unavailable: errorResponse('Redis (broker, store or result backend) is unreachable; try again'),
      },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'an API token: npm run trellis -- token create, or POST /api/v1/tokens' },
        session: { type: 'apiKey', in: 'cookie', name: 'trellis_session', description: 'a browser session; changes also need the x-csrf-token header' },
      },
    },
    security: [{ bearer: [] }, { session: [] }],
  };
}

export type OpenApiDocument = ReturnType<typeof build>;

let cached: OpenApiDocument | null = null;

/** Built once per process: the routes do not change while it runs. */
export function openApiDocument(): OpenApiDocument {
  cached ??= build();
  return cached;
}
