// OpenAPI paths and schemas of the alerts API (lib/server/alerts/alerts-api.ts).

const json = (schema: object) => ({ 'application/json': { schema } });
const ok = (schema: object, description = 'OK') => ({ description, content: json(schema) });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const query = (name: string, schema: object, description: string) => ({ name, in: 'query', schema, description });
const idParam = (description: string) => ({ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description });
const errors = { '422': { $ref: '#/components/responses/Invalid' }, '503': { $ref: '#/components/responses/Unavailable' } };
const notFound = { '404': { $ref: '#/components/responses/NotFound' } };
const time = { type: ['number', 'null'], description: 'epoch seconds' };
const severity = { type: 'string', enum: ['critical', 'warning', 'info'] };
const status = { type: 'string', enum: ['pending', 'firing', 'acknowledged', 'silenced', 'resolved'] };
const labels = { type: 'object', additionalProperties: { type: 'string' }, description: 'the subject: queue, worker or task (name)' };

export const alertSchemas = {
  Incident: {
    type: 'object',
    description: 'One rule’s condition holding for one subject, from when it first held until it stopped.',
    properties: {
      id: { type: 'string' },
      dedupKey: { type: 'string', description: '<rule id>|<subject>: the same for every notification of the incident' },
      ruleId: { type: 'string' },
      ruleType: { type: 'string' },
      severity,
      subject: { type: 'string' },
      labels,
      state: { type: 'string', enum: ['pending', 'firing', 'resolved'] },
      status: { ...status, description: 'state, with acknowledged/silenced told apart' },
      since: { type: 'number', description: 'when the condition first held (epoch seconds)' },
      firedAt: time,
      resolvedAt: time,
      lastSeenAt: { type: 'number' },
      value: { type: ['number', 'null'] },
      threshold: { type: ['number', 'null'] },
      peak: { type: ['number', 'null'] },
      summary: { type: 'string' },
      details: { type: 'object', additionalProperties: { type: ['number', 'string', 'null'] }, description: 'the numbers that fired it' },
      path: { type: 'string', description: 'the Trellis view that explains it' },
      notifiedAt: time,
      acknowledged: { type: ['object', 'null'], properties: { by: { type: 'string' }, at: { type: 'number' }, note: { type: 'string' } } },
      silencedBy: { type: ['string', 'null'] },
      timeline: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            at: { type: 'number' },
            event: { type: 'string', enum: ['pending', 'firing', 'repeat', 'acknowledged', 'silenced', 'unsilenced', 'resolved', 'notified', 'notify-failed'] },
            note: { type: 'string' },
            value: { type: ['number', 'null'] },
          },
        },
      },
    },
  },
  Silence: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      match: ref('SilenceMatch'),
      reason: { type: 'string' },
      createdBy: { type: 'string' },
      createdAt: { type: 'number' },
      expiresAt: { type: 'number' },
      active: { type: 'boolean' },
      matching: { type: 'integer', description: 'active incidents it mutes now' },
    },
  },
  SilenceMatch: {
    type: 'object',
    description: 'a rule id glob and/or label globs (queue, worker, task); at least one',
    properties: { rule: { type: 'string' }, labels: { type: 'object', additionalProperties: { type: 'string' } } },
  },
  AlertRule: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      type: { type: 'string' },
      enabled: { type: 'boolean' },
      severity,
      for: { type: 'number', description: 'seconds the condition holds before it fires' },
      threshold: { type: 'number' },
      window: { type: 'number' },
      factor: { type: 'number' },
      minRuns: { type: 'integer' },
      scope: { type: 'object', properties: { queue: { type: 'array', items: { type: 'string' } }, task: { type: 'array', items: { type: 'string' } }, worker: { type: 'array', items: { type: 'string' } } } },
      channels: { type: ['array', 'null'], items: { type: 'string' } },
      description: { type: 'string' },
      subject: { type: 'string', enum: ['queue', 'worker', 'task', 'cluster'] },
      params: { type: 'object', additionalProperties: { type: 'string' }, description: 'the parameters this type reads, and their meaning' },
      routedTo: { type: 'array', items: { type: 'string' } },
      active: { type: 'integer' },
      firing: { type: 'integer' },
    },
  },
  AlertChannel: {
    type: 'object',
    description: 'a channel as the API shows it: never a secret',
    properties: { type: { type: 'string', enum: ['webhook', 'slack', 'pagerduty', 'email', 'alertmanager'] }, id: { type: 'string' }, name: { type: ['string', 'null'] }, targets: { type: 'array', items: { type: 'string' } }, to: { type: 'array', items: { type: 'string' } } },
  },
};

export const alertPaths = {
  '/api/v1/alerts': {
    get: {
      summary: 'Active incidents (all, filtered) and a page of resolved history, newest first',
      parameters: [
        query('status', { type: 'array', items: status }, 'repeatable'),
        query('severity', severity, ''),
        query('rule', { type: 'string' }, 'rule id'),
        query('type', { type: 'array', items: { type: 'string' } }, 'rule type, repeatable (e.g. task_failure_rate)'),
        query('queue', { type: 'string' }, 'subject label'),
        query('worker', { type: 'string' }, 'subject label'),
        query('task', { type: 'string' }, 'subject label (task name)'),
        query('since', { type: 'number' }, 'history: resolved at or after (epoch seconds)'),
        query('before', { type: 'number' }, 'history: resolved before (nextBefore of the previous page)'),
        query('limit', { type: 'integer', minimum: 1, maximum: 500, default: 100 }, 'history page size'),
      ],
      responses: {
        '200': ok({
          type: 'object',
          properties: {
            active: { type: 'array', items: ref('Incident') },
            history: { type: 'array', items: ref('Incident') },
            nextBefore: time,
            counts: { type: 'object', properties: { pending: { type: 'integer' }, firing: { type: 'integer' }, acknowledged: { type: 'integer' }, silenced: { type: 'integer' } } },
            evaluator: { type: ['object', 'null'], description: 'the last evaluation cycle: at, durationMs, rules, active, firing, errors, deliveriesInFlight' },
            at: { type: 'number' },
          },
        }),
        ...errors,
      },
    },
  },
  '/api/v1/alerts/{id}/acknowledge': {
    post: {
      summary: 'Acknowledge a firing incident: its repeats stop and its channels are told once (applied at the next evaluation)',
      parameters: [idParam('incident id')],
      requestBody: { required: false, content: json({ type: 'object', properties: { note: { type: 'string', maxLength: 500 } } }) },
      responses: { '200': ok(ref('Incident')), ...notFound, '409': { description: 'the incident is not firing', content: json(ref('Error')) }, ...errors },
    },
  },
  '/api/v1/alerts/summary': {
    get: { summary: 'Incidents firing unacknowledged and unsilenced, as of the evaluator’s last cycle (the header badge)', responses: { '200': ok({ type: 'object', properties: { firing: { type: 'integer' }, critical: { type: 'integer' }, at: { ...time, description: 'the evaluator’s last cycle' } } }), ...errors } },
  },
  '/api/v1/alerts/rules': {
    get: {
      summary: 'Every rule (defaults merged with the alerts file), its routing and counts; the channels (no secrets)',
      responses: {
        '200': ok({ type: 'object', properties: { rules: { type: 'array', items: ref('AlertRule') }, channels: { type: 'array', items: ref('AlertChannel') }, source: { type: ['string', 'null'] }, repeatIntervalSeconds: { type: 'number' } } }),
        ...errors,
      },
    },
  },
  '/api/v1/alerts/silences': {
    get: { summary: 'Silences, active first (expired ones for a day)', responses: { '200': ok({ type: 'object', properties: { items: { type: 'array', items: ref('Silence') } } }), ...errors } },
    post: {
      summary: 'Create a silence: mutes the notifications of the incidents it matches until it expires',
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['match', 'reason'],
          properties: { match: ref('SilenceMatch'), duration: { type: ['string', 'number'], description: 'e.g. "2h" (or expiresAt)' }, expiresAt: { type: 'number' }, reason: { type: 'string' } },
        }),
      },
      responses: { '201': ok(ref('Silence'), 'Created'), ...errors },
    },
  },
  '/api/v1/alerts/silences/{id}': {
    delete: { summary: 'End a silence now (listed as expired for a day)', parameters: [idParam('silence id')], responses: { '200': ok(ref('Silence')), ...notFound, ...errors } },
  },
  '/api/v1/alerts/channels/{id}/test': {
    post: {
      summary: 'Send a test notification to one channel',
      parameters: [idParam('channel id (alerts file)')],
      responses: {
        '200': ok({ type: 'object', properties: { channel: ref('AlertChannel'), result: { type: 'object', properties: { ok: { type: 'boolean' }, attempts: { type: 'integer' }, status: { type: 'integer' }, error: { type: 'string', description: 'why not (never a secret)' }, deliveryId: { type: 'string' } } } } }),
        ...notFound,
        ...errors,
      },
    },
  },
};
