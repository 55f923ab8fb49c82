import { publishRoute } from '@/lib/server/flower/publish-route';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/task/send-task/{name} – Flower-compatible: publish a task by name, known or not; {"task-id", "state"}.
export const POST = publishRoute('send-task', 'Flower-compatible: publish a task by name (not checked)');
