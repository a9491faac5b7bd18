/**
 * What a page running Stripe.js must allow in its CSP (Stripe's "Content Security Policy"
 * guidance): the script from js.stripe.com, its frames (and 3-D Secure's from hooks.stripe.com),
 * and its calls to Stripe's API.
 */
export const STRIPE_JS_SOURCES = {
  script: ['https://js.stripe.com'],
  frame: ['https://js.stripe.com', 'https://hooks.stripe.com'],
  connect: ['https://api.stripe.com', 'https://js.stripe.com'],
} as const;
