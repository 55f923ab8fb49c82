// Reusable OpenAPI 3.1 schema components for the Trellis REST API (mirrors lib/schemas/api.ts).

const nullable = (type: string) => ({ type: [type, 'null'] });
const time = { type: ['number', 'null'], description: 'epoch seconds' };

export const components = {
  schemas: {
    Error: {
      type: 'object',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'string', enum: ['BAD_REQUEST', 'INVALID_INPUT', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'RATE_LIMITED', 'INTERNAL', 'UNAVAILABLE', 'TIMEOUT'] },
            message: { type: 'string' },
          },
        },
      },
    },
    TaskSummary: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        name: nullable('string'),
        state: { type: 'string', description: 'PENDING, RECEIVED, STARTED, SUCCESS, FAILURE, RETRY, REVOKED, REJECTED or a custom state' },
        worker: nullable('string'),
        queue: nullable('string'),
        rootId: nullable('string'),
        parentId: nullable('string'),
        retries: { type: 'integer' },
        args: nullable('string'),
        kwargs: nullable('string'),
        result: nullable('string'),
        exception: nullable('string'),
        eta: nullable('string'),
        expires: nullable('string'),
        firstSeen: { type: 'number' },
        lastUpdate: { type: 'number' },
        sent: time,
        received: time,
        started: time,
        ended: time,
        runtime: nullable('number'),
      },
    },
    TaskEvent: {
      type: 'object',
      properties: {
        type: { type: 'string' },
        timestamp: time,
        localReceived: { type: 'number' },
        hostname: nullable('string'),
        fields: { type: 'object', additionalProperties: true },
        inferred: { type: 'boolean', description: 'true for events Trellis reconciled rather than observed' },
      },
    },
    TaskAttempt: {
      type: 'object',
      properties: {
        retries: { type: 'integer' },
        worker: nullable('string'),
        received: time,
        started: time,
        ended: time,
        eta: nullable('string'),
        outcome: { type: 'string', enum: ['running', 'waiting', 'succeeded', 'failed', 'retried', 'revoked', 'rejected', 'cancelled', 'unknown'] },
        exception: nullable('string'),
        traceback: nullable('string'),
        waited: nullable('number'),
        ran: nullable('number'),
      },
    },
    BackendMeta: {
      type: ['object', 'null'],
      properties: {
        status: { type: 'string' },
        result: {},
        traceback: nullable('string'),
        children: { type: 'array', items: { type: 'string' } },
        dateDone: nullable('string'),
        extra: { type: 'object', additionalProperties: true },
      },
    },
    TaskDetail: {
      allOf: [
        { $ref: '#/components/schemas/TaskSummary' },
        {
          type: 'object',
          properties: {
            traceback: nullable('string'),
            exchange: nullable('string'),
            routingKey: nullable('string'),
            clientHostname: nullable('string'),
            revoked: { type: ['object', 'null'] },
            events: { type: 'array', items: { $ref: '#/components/schemas/TaskEvent' } },
            attempts: { type: 'array', items: { $ref: '#/components/schemas/TaskAttempt' } },
            eventsTruncated: { type: 'integer' },
            backend: { $ref: '#/components/schemas/BackendMeta' },
          },
        },
      ],
    },
    Worker: {
      type: 'object',
      properties: {
        hostname: { type: 'string' },
        status: { type: 'string', enum: ['online', 'offline', 'lost'] },
        pid: nullable('integer'),
        freq: nullable('number'),
        lastHeartbeat: time,
        heartbeatAge: nullable('number'),
        active: nullable('integer'),
        processed: nullable('integer'),
        loadavg: { type: ['array', 'null'], items: { type: 'number' } },
        swIdent: nullable('string'),
        swVer: nullable('string'),
        swSys: nullable('string'),
        onlineSince: time,
        offlineAt: time,
        restarts: { type: 'integer' },
        previousPid: nullable('integer'),
        duplicatePids: { type: 'array', items: { type: 'integer' } },
      },
    },
    Gap: {
      type: 'object',
      properties: {
        start: { type: 'number' },
        end: time,
        reason: { type: 'string' },
        reconciled: { type: ['object', 'null'], properties: { checked: { type: 'integer' }, updated: { type: 'integer' } } },
      },
    },
    Health: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['ok', 'degraded', 'down'] },
        redis: { type: 'object', properties: { store: { type: 'boolean' }, broker: { type: 'boolean' }, backend: { type: 'boolean' } } },
        collector: { type: 'object', additionalProperties: true },
        gaps: { type: 'array', items: { $ref: '#/components/schemas/Gap' } },
      },
    },
  },
  responses: {
    Invalid: { description: 'Invalid input', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    NotFound: { description: 'Not found', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  },
} as const;
