import { publishRoute } from '@/lib/server/flower/publish-route';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/task/apply/{name} – Flower-compatible: publish a known task and wait for its result (at most 60 s).
export const POST = publishRoute('apply', 'Flower-compatible: publish a known task and wait for its result');
