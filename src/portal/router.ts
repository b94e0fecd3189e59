import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';

/** Client-side routes under /portal; the gateway serves index.html for each of them. */
export const portalBase = '/portal';

function currentPath(): string {
  return location.pathname.slice(portalBase.length).replace(/\/+$/, '') || '/';
}

export function navigate(path: string): void {
  history.pushState(null, '', portalBase + path);
  dispatchEvent(new PopStateEvent('popstate'));
}

/** The current client route (`/keys`), following links and the back button. */
export function usePath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const update = () => setPath(currentPath());
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return path;
}

/** A link that stays in the app (plain clicks only: new tabs and windows work as usual). */
export function Link(props: { href: string; class?: string; current?: boolean; children: ComponentChildren }) {
  const onClick = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  return html`<a href=${portalBase + props.href} class=${props.class} aria-current=${props.current ? 'page' : undefined} onClick=${onClick}>${props.children}</a>`;
}
