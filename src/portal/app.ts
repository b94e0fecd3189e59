import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { Me } from '../api/schemas.js';
import { api, whenSessionEnds } from './api.js';
import { Layout } from './components/layout.js';
import { ErrorNote, Loading } from './components/notes.js';
import { NotFoundPage } from './pages/not-found.js';
import { SignInPage } from './pages/sign-in.js';
import { navigate, usePath } from './router.js';
import { routes } from './routes.js';
import { MeContext } from './session.js';
import { toApiError } from './use-api.js';

type Session = { state: 'loading' } | { state: 'signed-out' } | { state: 'signed-in'; me: Me } | { state: 'failed'; error: Error };

/** Signs in (or finds the session cookie already there), then shows the page of the current route. */
export function App() {
  const [session, setSession] = useState<Session>({ state: 'loading' });
  const path = usePath();
  useEffect(() => {
    whenSessionEnds(() => setSession({ state: 'signed-out' }));
    api.get<Me>('/me').then(
      (me) => setSession({ state: 'signed-in', me }),
      (err) => {
        const error = toApiError(err);
        setSession(error.status === 401 ? { state: 'signed-out' } : { state: 'failed', error });
      },
    );
  }, []);
  // Each page starts at its title, for keyboard and screen reader users too.
  useEffect(() => {
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [path]);

  if (session.state === 'loading') return html`<main class="sign-in"><${Loading} /></main>`;
  if (session.state === 'failed') return html`<main class="sign-in"><h1>ccag</h1><${ErrorNote} error=${session.error} /></main>`;
  if (session.state === 'signed-out') return html`<${SignInPage} onSignedIn=${(me: Me) => setSession({ state: 'signed-in', me })} />`;

  const { me } = session;
  const mine = routes.filter((r) => r.roles.includes(me.role));
  // The portal's root shows the role's first page.
  const current = path === '/' ? mine[0]!.path : path;
  const route = mine.find((r) => r.path === current);
  const signOut = async () => {
    await api.post('/auth/logout').catch(() => undefined);
    // The next person to sign in starts at their own first page.
    navigate('/');
    setSession({ state: 'signed-out' });
  };
  return html`<${MeContext.Provider} value=${me}>
    <${Layout} routes=${mine} path=${current} onSignOut=${signOut}>
      ${route ? html`<${route.page} key=${route.path} />` : html`<${NotFoundPage} allowed=${!routes.some((r) => r.path === current)} />`}
    </${Layout}>
  </${MeContext.Provider}>`;
}
