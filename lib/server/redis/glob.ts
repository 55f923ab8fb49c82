// Glob patterns for SCAN MATCH. Pure: any layer (broker health, queue discovery) may use it.

/** Escapes glob metacharacters so a key prefix is matched literally by SCAN MATCH. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
