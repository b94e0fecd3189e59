import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { toApiError } from '../use-api.js';
import { ErrorNote } from './notes.js';

/** A destructive action asked twice, without a modal: "Revoke" → "Revoke key-name? Yes / Cancel". */
export function ConfirmButton({ label, question, onConfirm }: { label: string; question: string; onConfirm: () => Promise<unknown> }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const cancel = useRef<HTMLButtonElement>(null);
  // Keyboard users land on the question's safe answer.
  useEffect(() => {
    if (asking) cancel.current?.focus();
  }, [asking]);
  if (!asking) return html`<button type="button" class="danger small" onClick=${() => setAsking(true)}>${label}</button>`;
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      setAsking(false);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<span class="confirm" role="group" aria-label=${question}>
    <span>${question}</span>
    <button type="button" class="danger small" disabled=${busy} onClick=${confirm}>Yes, ${label.toLowerCase()}</button>
    <button type="button" class="small" ref=${cancel} onClick=${() => setAsking(false)}>Cancel</button>
    <${ErrorNote} error=${error} />
  </span>`;
}

/** Copies text to the clipboard and says so (for screen readers too). */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    setTimeout(() => setState('idle'), 2000);
  };
  return html`<button type="button" class="small" onClick=${copy} aria-live="polite">${state === 'copied' ? 'Copied' : state === 'failed' ? 'Select and copy by hand' : label}</button>`;
}

/** A command or secret on one line, with a copy button beside it. */
export function CodeLine({ text, label }: { text: string; label: string }) {
  return html`<div class="code-line"><code aria-label=${label}>${text}</code><${CopyButton} text=${text} label="Copy" /></div>`;
}
