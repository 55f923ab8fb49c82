import 'server-only';
import { config, ConfigError, type TrellisConfig } from './config';
import { logger } from './logger';
import { redactUrl } from './redis/url';
import { alertsConfig, AlertsFileError } from './alerts/alerts-config';
import { usersFromFile, UsersFileError } from './auth/users';

// Start-up shared by the web server (instrumentation.ts) and `npm run collector`: validate the
// configuration once, print every problem and exit on a bad one.

export function bootConfig(role: string): TrellisConfig {
  try {
    const cfg = config();
    const alerts = alertsConfig(cfg);
    const users = usersFromFile(cfg.auth.usersFile);
    if (cfg.auth.mode === 'password' && users.length === 0 && !cfg.auth.adminPassword) {
      logger.warn('TRELLIS_AUTH=password with no users file and no TRELLIS_ADMIN_PASSWORD: only users added with `npm run trellis -- user add` can sign in');
    }
    logger.info({ file: alerts.source, rules: alerts.rules.filter((r) => r.enabled).length, channels: alerts.channels.length }, 'alert rules loaded');
    logger.info({ role, broker: redactUrl(cfg.broker.url), collector: cfg.collector }, 'trellis starting');
    return cfg;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof AlertsFileError || err instanceof UsersFileError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
