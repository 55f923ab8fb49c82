// Boots the ingest thread: the thread runs TypeScript sources through tsx (as the standalone
// collector does), loaded by path at run time so bundlers leave it alone.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
