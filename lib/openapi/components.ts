// Reusable OpenAPI 3.1 schema components for the Trellis REST API (mirrors lib/schemas/api.ts).

const nullable = (type: string) => ({ type: [type, 'null'] });
const time = { type: ['number', 'null'], description: 'epoch seconds' };
const redacted = { type: ['string', 'null'], description: 'Python repr as Celery sent it, redacted (values of secret keys, card numbers, URL passwords shown as ***); "[hidden]" under TRELLIS_HIDE_ARGS=viewer' };

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
            code: { type: 'string', enum: ['BAD_REQUEST', 'INVALID_INPUT', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'METHOD_NOT_ALLOWED', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'HOST_NOT_ALLOWED', 'RATE_LIMITED', 'INTERNAL', 'UNAVAILABLE', 'TIMEOUT'] },
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
        args: redacted,
        kwargs: redacted,
        result: redacted,
        exception: { ...redacted, description: `${redacted.description}; only the exception class under TRELLIS_HIDE_ARGS=viewer` },
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
    WorkflowGroup: {
      type: 'object',
      description: 'Progress of a group or chord header in the workflow (result backend keys and member metas).',
      properties: {
        id: { type: 'string', description: "group id (the members' result meta group_id)" },
        chord: { type: 'boolean', description: 'a chord header: its join keys exist, or its callback was found' },
        source: {
          type: 'string',
          enum: ['chord-join', 'saved-group', 'members'],
          description: 'chord-join: celery-taskset-meta-<id>.j/.s/.t (exact while the header runs; deleted once the callback is sent); saved-group: celery-taskset-meta-<id> (GroupResult.save()); members: only the members Trellis knows',
        },
        size: { type: ['integer', 'null'], description: 'chord size (.s + .t) or saved member count; null when not recorded anywhere' },
        done: { type: 'integer', description: 'members joined (.j) or in SUCCESS/FAILURE/REVOKED' },
        succeeded: { type: ['integer', 'null'] },
        failed: { type: ['integer', 'null'], description: 'done minus succeeded (FAILURE, REVOKED)' },
        members: { type: 'array', maxItems: 100, items: { type: 'object', properties: { id: { type: 'string' }, state: { type: 'string' } } } },
        membersKnown: { type: 'integer' },
        callback: {
          type: ['object', 'null'],
          description: 'the chord callback (null for a plain group)',
          properties: {
            status: { type: 'string', enum: ['waiting', 'not-run', 'sent', 'unknown'], description: 'waiting: header unfinished; not-run: a header task failed (ChordError); sent: the callback task is in the workflow' },
            id: nullable('string'),
            name: nullable('string'),
            state: nullable('string'),
            result: { type: ['string', 'null'], description: 'repr string, as events report it' },
          },
        },
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
            groupId: { type: ['string', 'null'], description: "the task's own group (its result meta's group_id)" },
            groups: { type: 'array', maxItems: 20, description: "the workflow's groups and chords, the task's own first", items: { $ref: '#/components/schemas/WorkflowGroup' } },
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
        collector: {
          type: 'object',
          additionalProperties: true,
          properties: {
            backlog: {
              type: 'object',
              description: 'Event messages read from the broker and not yet stored; bounded by TRELLIS_INGEST_BACKLOG (past it messages are dropped and the interval recorded as a gap)',
              properties: {
                bytes: { type: 'integer' },
                messages: { type: 'integer' },
                ageSeconds: { type: ['number', 'null'], description: 'How long the oldest waiting message has waited' },
                peakBytes: { type: 'integer' },
                limitBytes: { type: ['integer', 'null'] },
                droppedMessages: { type: 'integer' },
              },
            },
          },
        },
        gaps: { type: 'array', items: { $ref: '#/components/schemas/Gap' } },
      },
    },
  },
  responses: {
    Invalid: { description: 'Invalid input', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    NotFound: { description: 'Not found', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    Unavailable: { description: 'UNAVAILABLE: the broker, store or result backend Redis cannot be reached or did not answer within TRELLIS_REDIS_TIMEOUT (retry later)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  },
} as const;
