import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';

/** A page: its title (the document's too), a sentence on what it is for, and its content. */
export function Page({ title, intro, children }: { title: string; intro?: ComponentChildren; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · ccag`;
  }, [title]);
  return html`<section class="page" aria-labelledby="page-title">
    <h1 id="page-title">${title}</h1>
    ${intro ? html`<p class="intro">${intro}</p>` : null}
    ${children}
  </section>`;
}

/** A titled part of a page. */
export function Panel({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  const headingId = `${id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-title`;
  return html`<section class="panel" aria-labelledby=${headingId}>
    <h2 id=${headingId}>${title}</h2>
    ${children}
  </section>`;
}
