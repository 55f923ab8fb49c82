// Parses Redis INFO text (`key:value` lines, `# Section` headers). Pure; the redis layer owns it so
// that both it (server version) and the domains above (broker health, stats) can read INFO.

export function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}
