import { CreateTokenForm } from '@/components/settings/create-token-form';
import { RevokeTokenButton } from '@/components/settings/revoke-token-button';
import { rangeStart } from '@/components/charts/incident-spans';
import { Card } from '@/components/ui/card';
import { formatRelative } from '@/lib/format';
import { requirePage } from '@/lib/server/auth/page-guard';
import { listTokens } from '@/lib/server/auth/tokens';
import { getContext } from '@/lib/server/context';

export const metadata = { title: 'Settings' };
export const dynamic = 'force-dynamic';

// Settings (admin): API tokens for scripts — create (shown once), list, revoke.
export default async function SettingsPage() {
  const access = await requirePage('admin');
  if (!access.ok) return <p role="alert">{access.message}</p>;
  const tokens = await listTokens(getContext());
  const now = rangeStart(0);
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Settings</h1>
      <Card title="API tokens">
        <p className="mb-3 text-sm text-muted">
          Scripts send <code>Authorization: Bearer &lt;token&gt;</code>. A token is shown once; Trellis keeps only its hash. Also from a shell:{' '}
          <code>npm run trellis -- token create --name NAME --role ROLE</code>.
        </p>
        <CreateTokenForm />
        <table className="mt-4 w-full text-left text-sm">
          <thead>
            <tr className="text-xs text-muted">
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} className="border-t border-border">
                <td>{t.name}</td>
                <td>{t.role}</td>
                <td>{t.status}</td>
                <td>{formatRelative(t.createdAt, now)}</td>
                <td>{t.expiresAt ? new Date(t.expiresAt * 1000).toISOString().slice(0, 10) : 'never'}</td>
                <td>{t.lastUsedAt ? formatRelative(t.lastUsedAt, now) : 'never'}</td>
                <td>{t.status === 'active' && <RevokeTokenButton id={t.id} name={t.name} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {tokens.length === 0 && <p className="mt-2 text-sm text-muted">No tokens yet.</p>}
      </Card>
    </div>
  );
}
