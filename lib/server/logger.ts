import 'server-only';
import pino from 'pino';
import { requestLogFields } from './http/request-scope';

// Structured logs to stdout. The level comes from TRELLIS_LOG_LEVEL (read here directly so that
// logging works even when the rest of the configuration is invalid and we must report it). Lines
// written while serving a request carry its request id.
export const logger = pino({
  name: 'trellis',
  level: process.env.TRELLIS_LOG_LEVEL || 'info',
  redact: { paths: ['*.password', '*.url'], censor: '***' },
  mixin: requestLogFields,
});
