import { redirect } from 'next/navigation';
import { SignInForm } from '@/components/shell/sign-in-form';
import { currentPrincipal } from '@/lib/server/auth/page-guard';
import { ssoMessage } from '@/lib/server/auth/oidc-refusals';
import { getContext } from '@/lib/server/context';

export const metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (await currentPrincipal()) redirect('/');
  const mode = getContext().config.auth.mode;
  const refused = ssoMessage((await searchParams).sso);
  return (
    <main id="main" className="mx-auto mt-24 max-w-sm space-y-4 px-4">
      <h1 className="text-xl font-semibold">Sign in to Trellis</h1>
      {refused && (
        <p role="alert" data-testid="sso-refused" className="rounded border border-border p-3 text-sm text-bad">
          {refused}
        </p>
      )}
      {mode === 'password' && <SignInForm />}
      {mode === 'oidc' && (
        // A plain link: the start route redirects to the provider (a GET, no script needed).
        <a href="/api/v1/auth/oidc/start" className="block w-full rounded bg-accent px-3 py-2 text-center font-medium text-bg">
          Sign in with single sign-on
        </a>
      )}
      {mode === 'none' && <p>Sign-in is off (TRELLIS_AUTH=none).</p>}
    </main>
  );
}
