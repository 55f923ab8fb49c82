import type { z } from 'zod';
import type { Permission } from '@/lib/server/http/authorize';

// What withRoute records on every route handler (`GET.spec`): the OpenAPI generator reads it, so
// the document is built from the very schemas the route validates with.

export interface RouteDoc {
  summary: string;
  /** Longer text (markdown). */
  description?: string;
  /** The 2xx JSON body; omit with `contentType` for a non-JSON answer. */
  response?: z.ZodType;
  /** 200 unless the route creates something (201) or sends the browser elsewhere (303 See Other, no body). */
  status?: 200 | 201 | 303;
  /** A non-JSON answer (Prometheus text, server-sent events). */
  contentType?: string;
}

export interface RouteSpec {
  permission: Permission | 'public';
  query?: z.ZodType;
  params?: z.ZodType;
  body?: z.ZodType;
  /** Flower-style parameters: form fields (or JSON, or the query string). */
  form?: z.ZodType;
  doc?: RouteDoc;
}
