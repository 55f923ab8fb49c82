import 'server-only';
import pino from 'pino';

// Structured logs to stdout. The level comes from TRELLIS_LOG_LEVEL (read here directly so that
// logging works even when the rest of the configuration is invalid and we must report it).
export const logger = pino({
  name: 'trellis',
  level: process.env.TRELLIS_LOG_LEVEL || 'info',
  redact: { paths: ['*.password', '*.url'], censor: '***' },
});
