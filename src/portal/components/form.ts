import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { toApiError } from '../use-api.js';
import { ErrorNote } from './notes.js';

export type FormValues = Record<string, string>;

/**
 * A form that sends itself through `onSubmit` and shows the API's error in place; it is
 * cleared after a success. Values are the form's fields by name (checkboxes: "on" or absent).
 */
export function Form({ label, submit, onSubmit, children, inline }: { label: string; submit: string; onSubmit: (values: FormValues) => Promise<unknown>; children: ComponentChildren; inline?: boolean }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const handle = async (e: SubmitEvent) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const values: FormValues = {};
    for (const [k, v] of new FormData(form)) values[k] = String(v).trim();
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit(values);
      form.reset();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<form class=${inline ? 'form inline' : 'form'} aria-label=${label} onSubmit=${handle}>
    <div class="fields">${children}</div>
    <div class="actions"><button type="submit" class="primary" disabled=${busy}>${busy ? 'Working…' : submit}</button></div>
    <${ErrorNote} error=${error} />
  </form>`;
}

let nextId = 0;
const fieldId = (name: string) => `f-${name}-${++nextId}`;

export function Field(props: { label: string; name: string; type?: string; required?: boolean; placeholder?: string; hint?: string; value?: string; step?: string; min?: string; autocomplete?: string; onChange?: (value: string) => void; /** Filters: every one is optional, so none is marked. */ hideOptional?: boolean }) {
  const id = fieldId(props.name);
  return html`<div class="field">
    <label for=${id}>${props.label}${props.required || props.hideOptional ? null : html` <span class="muted">(optional)</span>`}</label>
    <input id=${id} name=${props.name} type=${props.type ?? 'text'} required=${props.required} placeholder=${props.placeholder} defaultValue=${props.value} step=${props.step} min=${props.min} autocomplete=${props.autocomplete ?? 'off'} onChange=${props.onChange ? (e: Event) => props.onChange!((e.currentTarget as HTMLInputElement).value.trim()) : undefined} aria-describedby=${props.hint ? `${id}-hint` : undefined} />
    ${props.hint ? html`<small id=${`${id}-hint`} class="muted">${props.hint}</small>` : null}
  </div>`;
}

export function Select(props: { label: string; name: string; options: (string | { value: string; label: string })[]; value?: string; required?: boolean; onChange?: (value: string) => void }) {
  const id = fieldId(props.name);
  return html`<div class="field">
    <label for=${id}>${props.label}</label>
    <select id=${id} name=${props.name} required=${props.required} value=${props.value} onChange=${props.onChange ? (e: Event) => props.onChange!((e.currentTarget as HTMLSelectElement).value) : undefined}>
      ${props.options.map((o) => (typeof o === 'string' ? html`<option value=${o}>${o}</option>` : html`<option value=${o.value}>${o.label}</option>`))}
    </select>
  </div>`;
}

export function Checkbox(props: { label: string; name: string; checked?: boolean }) {
  const id = fieldId(props.name);
  return html`<div class="field check"><input id=${id} type="checkbox" name=${props.name} defaultChecked=${props.checked} /><label for=${id}>${props.label}</label></div>`;
}

/** A number from a form field, or undefined when it was left empty. */
export const optionalNumber = (v: string | undefined) => (v ? Number(v) : undefined);
/** A comma- or space-separated list, or undefined when empty. */
export const optionalList = (v: string | undefined) => (v ? v.split(/[\s,]+/).filter(Boolean) : undefined);
/** The value, or undefined when the field was left empty (so the API applies its default). */
export const optional = (v: string | undefined) => v || undefined;
