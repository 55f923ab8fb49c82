import 'server-only';
import type Redis from 'ioredis';
import { celeryNames, resultNames, type CeleryNames, type ResultNames } from './celery/names';
import { config as processConfig, type TrellisConfig } from './config';
import { sharedClients } from './redis/client';
import { storeKeys, type StoreKeys } from './store/keys';

// What every domain verb needs: configuration, the three command connections and the naming
// helpers. Routes get the process-wide context; tests build their own for their own Redis.

export interface TrellisContext {
  config: TrellisConfig;
  /** Trellis' own history. */
  store: Redis;
  /** The Celery broker (queues, bindings, unacked, pidbox). */
  broker: Redis;
  /** The Celery result backend. */
  backend: Redis;
  keys: StoreKeys;
  celery: CeleryNames;
  results: ResultNames;
}

export function createContext(config: TrellisConfig, clients?: { store: Redis; broker: Redis; backend: Redis }): TrellisContext {
  const c =
    clients ??
    sharedClients(`${config.store.url}|${config.broker.url}|${config.resultBackend.url}`, {
      store: config.store,
      broker: config.broker,
      backend: config.resultBackend,
    });
  return {
    config,
    ...c,
    keys: storeKeys(config.storePrefix),
    celery: celeryNames({
      db: config.broker.db,
      keyPrefix: config.brokerKeyPrefix,
      prioritySteps: config.prioritySteps,
      separator: config.prioritySeparator,
      controlExchange: config.controlExchange,
    }),
    results: resultNames({ keyPrefix: config.resultKeyPrefix }),
  };
}

let processContext: TrellisContext | undefined;

export function getContext(): TrellisContext {
  processContext ??= createContext(processConfig());
  return processContext;
}
