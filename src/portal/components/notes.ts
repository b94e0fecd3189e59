import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api.js';

/** The API's own error message, where the action failed; announced to screen readers. */
export function ErrorNote({ error }: { error: ApiError | Error | undefined | null }) {
  if (!error) return null;
  return html`<p class="error" role="alert">${error.message}</p>`;
}

/** Nothing here yet, and what to do next. */
export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return html`<div class="empty"><p class="empty-title">${title}</p>${children ? html`<p>${children}</p>` : null}</div>`;
}

export function Loading() {
  return html`<p class="muted" aria-live="polite">Loading…</p>`;
}

/** The page's state while its data loads or fails, or nothing once it is there. */
export function LoadState({ loading, error, hasData }: { loading: boolean; error?: ApiError; hasData: boolean }) {
  if (error) return html`<${ErrorNote} error=${error} />`;
  if (loading && !hasData) return html`<${Loading} />`;
  return null;
}
