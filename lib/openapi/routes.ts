// Every route module the app serves, by URL path: the OpenAPI generator walks this map. A test
// (tests/unit/openapi.test.ts) walks app/ on the file system and fails when a route is missing here,
// so a new route cannot go undocumented. (Next.js bundles routes, so the server cannot walk app/.)

import * as flowerQueuesLength from '@/app/api/queues/length/route';
import * as alertsIdAcknowledge from '@/app/api/v1/alerts/[id]/acknowledge/route';
import * as alertsChannelsIdTest from '@/app/api/v1/alerts/channels/[id]/test/route';
import * as alerts from '@/app/api/v1/alerts/route';
import * as alertsRules from '@/app/api/v1/alerts/rules/route';
import * as alertsSilencesId from '@/app/api/v1/alerts/silences/[id]/route';
import * as alertsSilences from '@/app/api/v1/alerts/silences/route';
import * as alertsSummary from '@/app/api/v1/alerts/summary/route';
import * as auditVerify from '@/app/api/v1/audit/verify/route';
import * as audit from '@/app/api/v1/audit/route';
import * as authLogin from '@/app/api/v1/auth/login/route';
import * as authLogout from '@/app/api/v1/auth/logout/route';
import * as authMe from '@/app/api/v1/auth/me/route';
import * as authOidcCallback from '@/app/api/v1/auth/oidc/callback/route';
import * as authOidcStart from '@/app/api/v1/auth/oidc/start/route';
import * as broker from '@/app/api/v1/broker/route';
import * as health from '@/app/api/v1/health/route';
import * as openapiJson from '@/app/api/v1/openapi.json/route';
import * as queuesNameArchivesIdRestore from '@/app/api/v1/queues/[name]/archives/[archiveId]/restore/route';
import * as queuesNameArchivesId from '@/app/api/v1/queues/[name]/archives/[archiveId]/route';
import * as queuesNameArchives from '@/app/api/v1/queues/[name]/archives/route';
import * as queuesNameMessagesTaskId from '@/app/api/v1/queues/[name]/messages/[taskId]/route';
import * as queuesNameMessages from '@/app/api/v1/queues/[name]/messages/route';
import * as queuesNameMove from '@/app/api/v1/queues/[name]/move/route';
import * as queuesNamePurge from '@/app/api/v1/queues/[name]/purge/route';
import * as queuesName from '@/app/api/v1/queues/[name]/route';
import * as queues from '@/app/api/v1/queues/route';
import * as statsThroughput from '@/app/api/v1/stats/throughput/route';
import * as stream from '@/app/api/v1/stream/route';
import * as tasksId from '@/app/api/v1/tasks/[id]/route';
import * as workflowsRootId from '@/app/api/v1/workflows/[rootId]/route';
import * as tasksCounts from '@/app/api/v1/tasks/counts/route';
import * as tasksRetry from '@/app/api/v1/tasks/retry/route';
import * as tasksRevoke from '@/app/api/v1/tasks/revoke/route';
import * as tasks from '@/app/api/v1/tasks/route';
import * as tokensId from '@/app/api/v1/tokens/[id]/route';
import * as tokens from '@/app/api/v1/tokens/route';
import * as workersHostnameControlCommand from '@/app/api/v1/workers/[hostname]/control/[command]/route';
import * as workersHostnameInspectWhat from '@/app/api/v1/workers/[hostname]/inspect/[what]/route';
import * as workersHostname from '@/app/api/v1/workers/[hostname]/route';
import * as workers from '@/app/api/v1/workers/route';
import * as flowerWorkers from '@/app/api/workers/route';
import * as flowerTasks from '@/app/api/tasks/route';
import * as flowerTaskTypes from '@/app/api/task/types/route';
import * as flowerTaskInfo from '@/app/api/task/info/[id]/route';
import * as flowerTaskResult from '@/app/api/task/result/[id]/route';
import * as flowerTaskRateLimit from '@/app/api/task/rate-limit/[name]/route';
import * as flowerTaskTimeout from '@/app/api/task/timeout/[name]/route';
import * as flowerTaskAsyncApply from '@/app/api/task/async-apply/[name]/route';
import * as flowerTaskSendTask from '@/app/api/task/send-task/[name]/route';
import * as flowerTaskApply from '@/app/api/task/apply/[name]/route';
import * as flowerTaskAbort from '@/app/api/task/abort/[id]/route';
import * as flowerTaskRevoke from '@/app/api/task/revoke/[id]/route';
import * as flowerWorkerShutdown from '@/app/api/worker/shutdown/[hostname]/route';
import * as flowerPoolRestart from '@/app/api/worker/pool/restart/[hostname]/route';
import * as flowerPoolGrow from '@/app/api/worker/pool/grow/[hostname]/route';
import * as flowerPoolShrink from '@/app/api/worker/pool/shrink/[hostname]/route';
import * as flowerPoolAutoscale from '@/app/api/worker/pool/autoscale/[hostname]/route';
import * as flowerAddConsumer from '@/app/api/worker/queue/add-consumer/[hostname]/route';
import * as flowerCancelConsumer from '@/app/api/worker/queue/cancel-consumer/[hostname]/route';
import * as flowerHealthcheck from '@/app/healthcheck/route';
import * as metrics from '@/app/metrics/route';

export const routeModules: Record<string, Record<string, unknown>> = {
  '/api/queues/length': flowerQueuesLength,
  '/api/v1/alerts/{id}/acknowledge': alertsIdAcknowledge,
  '/api/v1/alerts/channels/{id}/test': alertsChannelsIdTest,
  '/api/v1/alerts': alerts,
  '/api/v1/alerts/rules': alertsRules,
  '/api/v1/alerts/silences/{id}': alertsSilencesId,
  '/api/v1/alerts/silences': alertsSilences,
  '/api/v1/audit/verify': auditVerify,
  '/api/v1/audit': audit,
  '/api/v1/alerts/summary': alertsSummary,
  '/api/v1/auth/login': authLogin,
  '/api/v1/auth/logout': authLogout,
  '/api/v1/auth/me': authMe,
  '/api/v1/auth/oidc/callback': authOidcCallback,
  '/api/v1/auth/oidc/start': authOidcStart,
  '/api/v1/broker': broker,
  '/api/v1/health': health,
  '/api/v1/openapi.json': openapiJson,
  '/api/v1/queues/{name}/archives/{archiveId}/restore': queuesNameArchivesIdRestore,
  '/api/v1/queues/{name}/archives/{archiveId}': queuesNameArchivesId,
  '/api/v1/queues/{name}/archives': queuesNameArchives,
  '/api/v1/queues/{name}/messages/{taskId}': queuesNameMessagesTaskId,
  '/api/v1/queues/{name}/messages': queuesNameMessages,
  '/api/v1/queues/{name}/move': queuesNameMove,
  '/api/v1/queues/{name}/purge': queuesNamePurge,
  '/api/v1/queues/{name}': queuesName,
  '/api/v1/queues': queues,
  '/api/v1/stats/throughput': statsThroughput,
  '/api/v1/stream': stream,
  '/api/v1/tasks/{id}': tasksId,
  '/api/v1/tasks/counts': tasksCounts,
  '/api/v1/tasks/retry': tasksRetry,
  '/api/v1/tasks/revoke': tasksRevoke,
  '/api/v1/tasks': tasks,
  '/api/v1/tokens/{id}': tokensId,
  '/api/v1/tokens': tokens,
  '/api/v1/workflows/{rootId}': workflowsRootId,
  '/api/v1/workers/{hostname}/control/{command}': workersHostnameControlCommand,
  '/api/v1/workers/{hostname}/inspect/{what}': workersHostnameInspectWhat,
  '/api/v1/workers/{hostname}': workersHostname,
  '/api/v1/workers': workers,
  '/api/workers': flowerWorkers,
  '/api/tasks': flowerTasks,
  '/api/task/types': flowerTaskTypes,
  '/api/task/info/{id}': flowerTaskInfo,
  '/api/task/result/{id}': flowerTaskResult,
  '/api/task/rate-limit/{name}': flowerTaskRateLimit,
  '/api/task/timeout/{name}': flowerTaskTimeout,
  '/api/task/async-apply/{name}': flowerTaskAsyncApply,
  '/api/task/send-task/{name}': flowerTaskSendTask,
  '/api/task/apply/{name}': flowerTaskApply,
  '/api/task/abort/{id}': flowerTaskAbort,
  '/api/task/revoke/{id}': flowerTaskRevoke,
  '/api/worker/shutdown/{hostname}': flowerWorkerShutdown,
  '/api/worker/pool/restart/{hostname}': flowerPoolRestart,
  '/api/worker/pool/grow/{hostname}': flowerPoolGrow,
  '/api/worker/pool/shrink/{hostname}': flowerPoolShrink,
  '/api/worker/pool/autoscale/{hostname}': flowerPoolAutoscale,
  '/api/worker/queue/add-consumer/{hostname}': flowerAddConsumer,
  '/api/worker/queue/cancel-consumer/{hostname}': flowerCancelConsumer,
  '/healthcheck': flowerHealthcheck,
  '/metrics': metrics,
};
