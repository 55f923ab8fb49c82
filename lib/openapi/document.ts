import queuePaths from '@/docs/api/queues.openapi-fragment.json';
import { alertPaths, alertSchemas } from './alerts-paths';
import { authPaths, authResponses, authSchemas } from './auth-paths';
import { components } from './components';

// The OpenAPI 3.1 document served at /api/v1/openapi.json. A test checks that every route under
// app/api has a path here, so the document cannot silently fall behind the code.

const json = (schema: object) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const ok = (schema: object, description = 'OK') => ({ description, content: json(schema) });
const errors = { '422': { $ref: '#/components/responses/Invalid' }, '503': { $ref: '#/components/responses/Unavailable' } };
const query = (name: string, schema: object, description: string) => ({ name, in: 'query', schema, description });
const path = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });
const timeParam = { type: 'string', description: 'epoch seconds or ISO 8601' };

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Trellis API',
      version: '1',
      description: 'Monitoring and operations for Celery clusters on Redis. Errors are {"error": {"code", "message"}}.',
    },
    servers: [{ url: '/' }],
    paths: {
      '/api/v1/tasks': {
        get: {
          summary: 'List tasks by first-seen time (newest first by default)',
          parameters: [
            query('state', { type: 'array', items: { type: 'string' } }, 'repeatable; any of these states'),
            query('name', { type: 'string' }, 'task name'),
            query('worker', { type: 'string' }, 'worker hostname'),
            query('queue', { type: 'string' }, 'queue (routing key)'),
            query('root', { type: 'string' }, 'workflow root id (includes the root itself)'),
            query('q', { type: 'string' }, 'text in id, name, args or kwargs (matched in the original and in the redacted text)'),
            query('since', timeParam, 'first seen at or after'),
            query('until', timeParam, 'first seen at or before'),
            query('order', { type: 'string', enum: ['desc', 'asc'], default: 'desc' }, 'by first-seen time: newest (desc) or oldest (asc) first'),
            query('limit', { type: 'integer', minimum: 1, maximum: 500, default: 50 }, 'page size'),
            query('cursor', { type: 'string' }, 'opaque; nextCursor of the previous page'),
          ],
          responses: {
            '200': ok({ type: 'object', properties: { items: { type: 'array', items: ref('TaskSummary') }, nextCursor: { type: ['string', 'null'] } } }),
            '400': { $ref: '#/components/responses/Invalid' },
            ...errors,
          },
        },
      },
      '/api/v1/tasks/counts': {
        get: {
          summary: 'Task counts over the stored history',
          parameters: [query('by', { type: 'string', enum: ['state', 'name', 'worker', 'queue'], default: 'state' }, 'dimension')],
          responses: { '200': ok({ type: 'object', properties: { counts: { type: 'object', additionalProperties: { type: 'integer' } } } }), ...errors },
        },
      },
      '/api/v1/tasks/{id}': {
        get: {
          summary: 'One task: record, events, attempts, result-backend meta, and the progress of its workflow’s groups and chords',
          parameters: [path('id', 'task id')],
          responses: { '200': ok(ref('TaskDetail')), '404': { $ref: '#/components/responses/NotFound' }, ...errors },
        },
      },
      '/api/v1/workers': {
        get: { summary: 'Workers and their status', responses: { '200': ok({ type: 'object', properties: { items: { type: 'array', items: ref('Worker') } } }) } },
      },
      '/api/v1/workers/{hostname}': {
        get: {
          summary: 'One worker, with task counts by name (over its recent tasks) and recent tasks',
          parameters: [path('hostname', 'node name, e.g. w1@host')],
          responses: {
            '200': ok({ allOf: [ref('Worker'), { type: 'object', properties: { taskCounts: { type: 'object' }, sampled: { type: 'integer' }, recentTasks: { type: 'array', items: ref('TaskSummary') } } }] }),
            '404': { $ref: '#/components/responses/NotFound' },
          },
        },
      },
      '/api/v1/health': {
        get: { summary: 'Redis reachability, collector rate, lag and gaps', responses: { '200': ok(ref('Health')), '503': ok(ref('Health'), 'Store unreachable') } },
      },
      '/metrics': {
        get: {
          summary: "Prometheus metrics: celery-exporter's, Flower's and Trellis' own families (TRELLIS_METRICS), served from the store",
          responses: {
            '200': { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } } },
            '503': { $ref: '#/components/responses/Unavailable' },
          },
        },
      },
      '/api/v1/stats/throughput': {
        get: {
          summary: 'Per-minute task counts, runtime p50/p95 and top failing task names',
          parameters: [query('range', { type: 'string', enum: ['1h', '24h'], default: '1h' }, 'time range')],
          responses: {
            '200': ok({
              type: 'object',
              properties: {
                points: { type: 'array', items: { type: 'object', properties: { minute: { type: 'number' }, counts: { type: 'object', additionalProperties: { type: 'integer' } }, runtimeP50: { type: ['number', 'null'] }, runtimeP95: { type: ['number', 'null'] } } } },
                topFailing: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, failed: { type: 'integer' } } } },
              },
            }),
            ...errors,
          },
        },
      },
      '/api/v1/stream': {
        get: {
          summary: 'Server-sent events: `update` (tasks and workers changed, after each collector flush), `resync`, `ready`; resumable with Last-Event-ID',
          responses: { '200': { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
        },
      },
      '/api/v1/openapi.json': { get: { summary: 'This document', responses: { '200': ok({ type: 'object' }) } } },
      // Queues, broker, inspection and the Flower-compatible paths (kept beside their module's docs).
      ...queuePaths.paths,
      ...alertPaths,
      ...authPaths,
    },
    components: {
      ...components,
      schemas: { ...components.schemas, ...alertSchemas, ...authSchemas },
      responses: { ...components.responses, ...authResponses },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'an API token: npm run trellis -- token create, or POST /api/v1/tokens' },
        session: { type: 'apiKey', in: 'cookie', name: 'trellis_session', description: 'a browser session; changes also need the x-csrf-token header' },
      },
    },
    security: [{ bearer: [] }, { session: [] }],
  };
}
