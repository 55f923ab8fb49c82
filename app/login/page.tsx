import { redirect } from 'next/navigation';
import { SignInForm } from '@/components/shell/sign-in-form';
import { currentPrincipal } from '@/lib/server/auth/page-guard';
import { getContext } from '@/lib/server/context';

export const metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

export default async function LoginPage() {
  if (await currentPrincipal()) redirect('/');
  const mode = getContext().config.auth.mode;
  return (
    <main id="main" className="mx-auto mt-24 max-w-sm space-y-4 px-4">
      <h1 className="text-xl font-semibold">Sign in to Trellis</h1>
      {mode === 'password' ? <SignInForm /> : <p>Sign-in is off (TRELLIS_AUTH={mode}).</p>}
    </main>
  );
}
