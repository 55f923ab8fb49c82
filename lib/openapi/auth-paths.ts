// OpenAPI paths and schemas of sign-in and API tokens (lib/server/auth/).

const json = (schema: object) => ({ 'application/json': { schema } });
const ok = (schema: object, description = 'OK') => ({ description, content: json(schema) });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errors = { '401': { $ref: '#/components/responses/Unauthorized' }, '403': { $ref: '#/components/responses/Forbidden' }, '422': { $ref: '#/components/responses/Invalid' }, '503': { $ref: '#/components/responses/Unavailable' } };
const role = { type: 'string', enum: ['viewer', 'operator', 'admin'] };

export const authResponses = {
  Unauthorized: { description: 'No valid credentials: sign in, or send Authorization: Bearer <token>', content: json(ref('Error')) },
  Forbidden: { description: 'The role lacks the permission, or a cookie-authenticated change without its CSRF token', content: json(ref('Error')) },
};

export const authSchemas = {
  Token: {
    type: 'object',
    description: 'an API token as listed: never its secret',
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      role,
      createdAt: { type: 'number' },
      createdBy: { type: 'string' },
      expiresAt: { type: ['number', 'null'] },
      lastUsedAt: { type: ['number', 'null'], description: 'recorded at most once a minute' },
      revokedAt: { type: ['number', 'null'] },
      status: { type: 'string', enum: ['active', 'expired', 'revoked'] },
    },
  },
  Principal: { type: 'object', properties: { id: { type: 'string' }, kind: { type: 'string', enum: ['anonymous', 'user', 'token'] }, name: { type: 'string' }, role } },
};

export const authPaths = {
  '/api/v1/auth/login': {
    post: {
      summary: 'Sign in with a built-in user (TRELLIS_AUTH=password): sets an HttpOnly session cookie and the CSRF cookie',
      security: [],
      requestBody: { required: true, content: json({ type: 'object', required: ['name', 'password'], properties: { name: { type: 'string' }, password: { type: 'string' } } }) },
      responses: { '200': ok({ type: 'object', properties: { name: { type: 'string' }, role } }), '400': { description: 'sign-in with a password is off', content: json(ref('Error')) }, ...errors },
    },
  },
  '/api/v1/auth/logout': {
    post: { summary: 'End the session (everywhere) and clear the cookies', security: [], responses: { '200': ok({ type: 'object', properties: { signedOut: { type: 'boolean' } } }) } },
  },
  '/api/v1/auth/me': {
    get: { summary: 'Who this request is (null when not signed in) and the auth mode', security: [], responses: { '200': ok({ type: 'object', properties: { principal: { oneOf: [ref('Principal'), { type: 'null' }] }, mode: { type: 'string', enum: ['none', 'password', 'oidc'] } } }) } },
  },
  '/api/v1/auth/oidc/start': {
    get: {
      summary: 'Single sign-on (TRELLIS_AUTH=oidc): redirects the browser to the OpenID provider (authorization code flow with PKCE, state and nonce kept in a short-lived sealed cookie)',
      security: [],
      responses: { '303': { description: 'to the provider, or to /login?sso=unavailable when it cannot be reached' }, '400': { description: 'single sign-on is off', content: json(ref('Error')) } },
    },
  },
  '/api/v1/auth/oidc/callback': {
    get: {
      summary: "Where the provider sends the browser back: verifies the answer, checks TRELLIS_OIDC_ALLOW and TRELLIS_OIDC_ROLES, sets the session cookies and redirects to /",
      security: [],
      parameters: [
        { name: 'code', in: 'query', schema: { type: 'string' } },
        { name: 'state', in: 'query', schema: { type: 'string' } },
      ],
      responses: {
        '303': { description: 'to / when signed in; otherwise to /login?sso=not-allowed|no-role|expired|cancelled|failed, with no session' },
        '400': { description: 'single sign-on is off', content: json(ref('Error')) },
      },
    },
  },
  '/api/v1/tokens': {
    get: { summary: 'API tokens (admin)', responses: { '200': ok({ type: 'object', properties: { items: { type: 'array', items: ref('Token') }, nextCursor: { type: 'null' } } }), ...errors } },
    post: {
      summary: 'Create an API token (admin); the token is in this answer only',
      requestBody: { required: true, content: json({ type: 'object', required: ['name', 'role'], properties: { name: { type: 'string' }, role, expiresInSeconds: { type: 'integer', minimum: 1 } } }) },
      responses: { '201': ok({ type: 'object', properties: { token: { type: 'string', description: 'trellis_<id>_<secret>: send as Authorization: Bearer <token>' }, record: ref('Token') } }, 'Created'), ...errors },
    },
  },
  '/api/v1/tokens/{id}': {
    delete: {
      summary: 'Revoke an API token (admin), at once',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '200': ok(ref('Token')), '404': { $ref: '#/components/responses/NotFound' }, ...errors },
    },
  },
};
