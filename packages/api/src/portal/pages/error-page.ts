import type { Context } from 'hono';
import { html } from 'hono/html';
import { shell } from '../layout.js';

/** A page that says what went wrong in words, with a way back when there is one. */
export function errorPage(
  c: Context,
  status: 400 | 401 | 403 | 404 | 410,
  title: string,
  text: string,
  back?: { href: string; label: string } | null,
) {
  return c.html(
    shell(
      title,
      html`<main id="main">
        <h1>${title}</h1>
        <p>${text}</p>
        ${back ? html`<p><a href="${back.href}">${back.label}</a></p>` : ''}
      </main>`,
    ),
    status,
  );
}
