import { useSearchParams } from 'react-router';
import { consoleRoot, signInUrl } from '../lib/api';
import { useTitle } from '../lib/hooks';

/**
 * /console/signed-out: where a console sign-in that was cancelled (or refused) on the hosted
 * sign-in page ends, so the browser stays in the console with a way back in.
 */
export function SignedOut() {
  const [search] = useSearchParams();
  const cancelled = search.get('reason') === 'cancelled';
  useTitle(cancelled ? 'Sign-in was cancelled' : 'Signed out');
  const returnTo = search.get('returnTo') ?? `${consoleRoot}/`;
  return (
    <main className="centered" id="main">
      <section className="card">
        <h1>{cancelled ? 'Sign-in was cancelled' : 'You are signed out'}</h1>
        <p>{cancelled ? 'You did not sign in to the Latchkey console, so nothing was opened.' : 'Sign in to use the Latchkey console.'}</p>
        <div className="button-row">
          <a className="button primary" href={signInUrl(returnTo)}>
            Sign in
          </a>
        </div>
      </section>
    </main>
  );
}
