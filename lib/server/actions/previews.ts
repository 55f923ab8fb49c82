import 'server-only';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '@/lib/errors';
import type { TrellisContext } from '../context';

// A dry run selects a set of tasks and keeps it under a preview id for a while, so that the action
// confirmed afterwards applies to exactly the previewed set, not to whatever matches the filter by
// the time the operator clicks.

export const PREVIEW_TTL_SECONDS = 15 * 60;

const PreviewSchema = z.object({ kind: z.string(), ids: z.array(z.string()), params: z.record(z.string(), z.unknown()), by: z.string(), at: z.number() });
export type Preview = z.infer<typeof PreviewSchema>;

export async function savePreview(ctx: TrellisContext, preview: Omit<Preview, 'at'>): Promise<{ previewId: string; expiresAt: number }> {
  const previewId = randomUUID();
  await ctx.store.set(ctx.keys.actionPreview(previewId), JSON.stringify({ ...preview, at: Date.now() / 1000 }), 'EX', PREVIEW_TTL_SECONDS);
  return { previewId, expiresAt: Date.now() / 1000 + PREVIEW_TTL_SECONDS };
}

/** The previewed set; 404 when unknown or expired, 409 when it was made for another kind of action. */
export async function loadPreview(ctx: TrellisContext, previewId: string, kind: string): Promise<Preview> {
  const raw = await ctx.store.get(ctx.keys.actionPreview(previewId));
  if (!raw) throw new AppError('NOT_FOUND', `preview ${previewId} not found (previews last ${PREVIEW_TTL_SECONDS / 60} minutes): preview again`);
  const p = PreviewSchema.parse(JSON.parse(raw));
  if (p.kind !== kind) throw new AppError('CONFLICT', `preview ${previewId} was made for ${p.kind}, not ${kind}`);
  return p;
}
