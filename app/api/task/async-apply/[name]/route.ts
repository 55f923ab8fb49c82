import { publishRoute } from '@/lib/server/flower/publish-route';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/task/async-apply/{name} – Flower-compatible: publish a task Trellis knows; {"task-id", "state"}.
export const POST = publishRoute('async-apply', 'Flower-compatible: publish a known task (args, kwargs, options)');
