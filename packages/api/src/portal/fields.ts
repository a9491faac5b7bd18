import { html } from 'hono/html';

/** One labelled input of a portal form, with its problem (if any) beside it. */
export interface FieldOptions {
  name: string;
  label: string;
  value?: string;
  error?: string | undefined;
  autocomplete?: string;
  inputmode?: 'numeric' | 'text' | 'email';
  hint?: string;
  required?: boolean;
}

/**
 * A label, an input and, when it was refused, the message beside it: `aria-invalid` and
 * `aria-describedby` point screen readers at the message, as PORTAL.md asks of every form.
 */
export function field(options: FieldOptions) {
  const id = `field-${options.name}`;
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const described = [options.hint ? hintId : '', options.error ? errorId : '']
    .filter(Boolean)
    .join(' ');
  return html`<label for="${id}">${options.label}</label>
${options.hint ? html`<p class="muted" id="${hintId}">${options.hint}</p>` : ''}
<input id="${id}" name="${options.name}" value="${options.value ?? ''}"${
    options.autocomplete ? html` autocomplete="${options.autocomplete}"` : ''
  }${options.inputmode ? html` inputmode="${options.inputmode}"` : ''}${
    options.required ? html` required` : ''
  }${options.error ? html` aria-invalid="true"` : ''}${
    described ? html` aria-describedby="${described}"` : ''
  }>
${options.error ? html`<p class="field-error" id="${errorId}">${options.error}</p>` : ''}`;
}

/** A form field's text from a parsed body (absent or a file: empty). */
export function text(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value : '';
}
