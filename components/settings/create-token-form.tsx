'use client';

import { useState } from 'react';
import { CopyButton } from '@/components/ui/copy-button';
import { ErrorText, useMutation } from '@/components/alerts/call-api';

const EXPIRY: Record<string, number | undefined> = { never: undefined, '30 days': 30 * 86_400, '90 days': 90 * 86_400, '1 year': 365 * 86_400 };

/** Creates a token and shows it once (the list below never can). */
export function CreateTokenForm() {
  const { busy, error, run } = useMutation<{ token: string }>();
  const [token, setToken] = useState<string | null>(null);
  const submit = async (form: FormData) => {
    const expiresInSeconds = EXPIRY[String(form.get('expires'))];
    const r = await run('POST', '/api/v1/tokens', { name: form.get('name'), role: form.get('role'), ...(expiresInSeconds ? { expiresInSeconds } : {}) });
    if (r.ok) setToken(r.data.token);
  };
  return (
    <div className="space-y-2">
      <form action={submit} className="flex flex-wrap items-end gap-2 text-sm">
        <label>
          Name
          <input name="name" required maxLength={100} className="ml-1 rounded border border-border bg-surface px-2 py-1" />
        </label>
        <label>
          Role
          <select name="role" defaultValue="viewer" className="ml-1 rounded border border-border bg-surface px-2 py-1">
            <option>viewer</option>
            <option>operator</option>
            <option>admin</option>
          </select>
        </label>
        <label>
          Expires
          <select name="expires" defaultValue="90 days" className="ml-1 rounded border border-border bg-surface px-2 py-1">
            {Object.keys(EXPIRY).map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={busy} className="rounded bg-accent px-3 py-1 font-medium text-bg disabled:opacity-60">
          Create token
        </button>
        <ErrorText error={error} />
      </form>
      {token && (
        <p role="status" className="rounded border border-accent/50 bg-accent/10 p-2 text-sm">
          Copy it now, it is shown once: <code className="break-all" data-testid="new-token">{token}</code> <CopyButton value={token} />
        </p>
      )}
    </div>
  );
}
