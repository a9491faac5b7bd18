import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { PortalState } from './env.js';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** The document around every portal page: language, viewport for 375 px screens, stylesheet. */
export function shell(title: string, body: Html, scripts?: Html) {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="stylesheet" href="/portal/assets/portal.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${body}
${scripts ?? ''}
</body>
</html>`;
}

/** One link of the portal's menu, shown only when its feature is on. */
interface NavItem {
  href: string;
  label: string;
  on: (state: PortalState) => boolean;
}

const NAV: readonly NavItem[] = [
  { href: '/portal', label: 'Overview', on: () => true },
  {
    href: '/portal/invoices',
    label: 'Invoices',
    on: (s) => s.configuration.features.invoiceHistory.enabled,
  },
  {
    href: '/portal/payments',
    label: 'Payment history',
    on: (s) => s.configuration.features.invoiceHistory.enabled,
  },
  {
    href: '/portal/payment-methods',
    label: 'Payment methods',
    on: (s) => s.configuration.features.paymentMethodUpdate.enabled,
  },
  {
    href: '/portal/subscriptions',
    label: 'Subscriptions',
    on: (s) =>
      s.configuration.features.subscriptionUpdate.enabled ||
      s.configuration.features.subscriptionCancel.enabled,
  },
  {
    href: '/portal/billing-details',
    label: 'Billing details',
    on: (s) => s.configuration.features.customerUpdate.enabled,
  },
];

/** A hidden field carrying the session's CSRF token: every form of the portal posts it. */
export function csrfField(state: PortalState) {
  return html`<input type="hidden" name="_csrf" value="${state.session.csrfToken}">`;
}

/**
 * A signed-in page: the business's name, the menu (features that are on), the page's content,
 * sign-out and the way back to the app (`return_url`), and the business's links.
 */
export function page(
  state: PortalState,
  title: string,
  current: string,
  content: Html,
  scripts?: Html,
) {
  const { business } = state.configuration;
  const nav = NAV.filter((item) => item.on(state));
  return shell(
    `${title} · ${business.name}`,
    html`<header class="top">
  <p class="brand">${business.name}</p>
  <nav aria-label="Billing portal">
    <ul>
      ${nav.map(
        (item) =>
          html`<li><a href="${item.href}"${item.href === current ? html` aria-current="page"` : ''}>${item.label}</a></li>`,
      )}
    </ul>
  </nav>
  <form method="post" action="/portal/sign-out" class="sign-out">${csrfField(state)}<button type="submit">Sign out</button></form>
</header>
<main id="main">
<h1>${title}</h1>
${content}
</main>
<footer>
  <p><a href="${state.session.returnUrl}">Back to ${business.name}</a></p>
  ${business.supportEmail ? html`<p>Questions? <a href="mailto:${business.supportEmail}">${business.supportEmail}</a></p>` : ''}
  ${business.privacyPolicyUrl ? html`<p><a href="${business.privacyPolicyUrl}">Privacy policy</a></p>` : ''}
  ${business.termsOfServiceUrl ? html`<p><a href="${business.termsOfServiceUrl}">Terms of service</a></p>` : ''}
</footer>`,
    scripts,
  );
}

/**
 * A table that may be wider than a phone, in a box that scrolls sideways: a named region that
 * takes keyboard focus, so it can be scrolled without a mouse (axe's scrollable-region-focusable).
 */
export function tableWrap(label: string, table: Html) {
  return html`<div class="table-wrap" role="region" aria-label="${label}" tabindex="0">${table}</div>`;
}

/** A short message after an action ("Card added"), or an error in words, announced politely. */
export function notice(kind: 'ok' | 'error', text: string | null | undefined) {
  if (!text) return '';
  return kind === 'ok'
    ? html`<p class="notice ok" role="status">${text}</p>`
    : html`<p class="notice error" role="alert">${text}</p>`;
}
