// Parses Redis INFO text (`key:value` lines, `# Section` headers). Pure.

export function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

/** Redis' own CPU time (system + user seconds) from INFO cpu. */
export function cpuSeconds(text: string): number | null {
  const info = parseInfo(text);
  const sys = Number(info.get('used_cpu_sys'));
  const user = Number(info.get('used_cpu_user'));
  return Number.isFinite(sys) && Number.isFinite(user) ? sys + user : null;
}
