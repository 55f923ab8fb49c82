import { z } from 'zod';
import { listEnvelope } from './envelope';

// Response shapes of the token and sign-in endpoints (checked against the server's types in lib/openapi/response-type-checks.ts).

const Role = z.enum(['viewer', 'operator', 'admin']);

export const TokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: Role,
    createdAt: z.number(),
    createdBy: z.string(),
    expiresAt: z.number().nullable(),
    revokedAt: z.number().nullable(),
    lastUsedAt: z.number().nullable(),
    status: z.enum(['active', 'expired', 'revoked']),
  })
  .meta({ id: 'Token' });

export const TokenListSchema = listEnvelope(TokenSchema);
export const CreatedTokenSchema = z.object({ token: z.string().describe('shown in this answer only'), record: TokenSchema });
export const SignedInSchema = z.object({ name: z.string(), role: Role });
