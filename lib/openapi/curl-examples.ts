// The curl examples of docs/api.md, read by its tests: every ```bash block is one command, either
// an example (`curl …`) or a step that keeps a value for later ones (`TASK_ID=$(curl … | jq …)`).

export interface CurlExample {
  /** The block as written (continuation lines joined). */
  command: string;
  /** The variable a step assigns, or null for an example. */
  assigns: string | null;
  method: string;
  /** The path after $TRELLIS_URL, without the query. */
  path: string;
}

export function curlExamples(markdown: string): CurlExample[] {
  return [...markdown.matchAll(/```bash\n([\s\S]*?)```/g)].map(([, block = '']) => {
    const command = block.trim().replace(/\\\n\s*/g, '');
    const paths = [...command.matchAll(/\$TRELLIS_URL(\/[^"?\s]*)/g)];
    return {
      command,
      assigns: /^([A-Z_]+)=\$\(/.exec(command)?.[1] ?? null,
      method: /-X (\w+)/.exec(command)?.[1] ?? (/ -d /.test(command) ? 'POST' : 'GET'),
      path: paths.at(-1)?.[1] ?? '',
    };
  });
}

/** The OpenAPI path an example calls: a static path first, else one whose `{param}`s its `$VAR`s (or literal segments) fill. */
export function templateOf(path: string, templates: string[]): string | undefined {
  if (templates.includes(path)) return path;
  return templates.find((t) => t.includes('{') && new RegExp(`^${t.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '(\\$[A-Z_]+|[^/$]+)')}$`).test(path));
}
