/**
 * Stripe's documented test card numbers (https://docs.stripe.com/testing) and the test token
 * each stands for, so the portal's add-card form works with the built-in test processor: the
 * number typed becomes the token the API takes, and the processor decides as Stripe would.
 */
const TEST_CARD_NUMBERS: Readonly<Record<string, string>> = {
  '4242424242424242': 'tok_visa',
  '4000056655665556': 'tok_visa_debit',
  '5555555555554444': 'tok_mastercard',
  '5200828282828210': 'tok_mastercard_debit',
  '378282246310005': 'tok_amex',
  '6011111111111117': 'tok_discover',
  '3566002020360505': 'tok_jcb',
  '6200000000000005': 'tok_unionpay',
  '4000000000000002': 'tok_chargeDeclined',
  '4000000000009995': 'tok_chargeDeclinedInsufficientFunds',
  '4100000000000019': 'tok_chargeDeclinedFraudulent',
  '4000000000000069': 'tok_chargeDeclinedExpiredCard',
  '4000000000000127': 'tok_chargeDeclinedIncorrectCvc',
  '4000000000000119': 'tok_chargeDeclinedProcessingError',
  '4000000000000341': 'tok_chargeCustomerFail',
};

/** True when `digits` passes the Luhn check every card number carries. */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The add-card form's fields, as typed. */
export interface CardForm {
  number: string;
  expiry: string;
  cvc: string;
}

/** A field's problem, in words, for the message beside it. */
export type CardFormErrors = Partial<Record<keyof CardForm, string>>;

/**
 * Reads the form loosely, as a card form should (spaces and dashes in the number, `MM/YY` or
 * `MM/YYYY`): the test token of the number, or what is wrong with each field. `now` decides
 * whether the expiry has passed.
 */
export function readCardForm(
  form: CardForm,
  now: Date,
): { token: string; errors: null } | { token: null; errors: CardFormErrors } {
  const errors: CardFormErrors = {};
  const digits = form.number.replace(/[\s-]/g, '');
  let token: string | undefined;
  if (!/^\d{12,19}$/.test(digits) || !luhn(digits)) {
    errors.number = 'Enter the card number as it is printed on the card.';
  } else {
    token = TEST_CARD_NUMBERS[digits];
    if (!token)
      errors.number = 'This is a test system: use a test card such as 4242 4242 4242 4242.';
  }
  const expiry = form.expiry.trim().match(/^(\d{1,2})\s*\/\s*(\d{2}|\d{4})$/);
  const month = expiry ? Number(expiry[1]) : 0;
  const year = expiry ? Number(expiry[2]?.length === 2 ? `20${expiry[2]}` : expiry[2]) : 0;
  if (!expiry || month < 1 || month > 12) {
    errors.expiry = 'Enter the expiry date as MM/YY.';
  } else if (year * 12 + month < now.getUTCFullYear() * 12 + now.getUTCMonth() + 1) {
    errors.expiry = 'This expiry date has passed.';
  }
  if (!/^\d{3,4}$/.test(form.cvc.trim()))
    errors.cvc = 'Enter the 3 or 4 digits of the security code.';
  if (token && Object.keys(errors).length === 0) return { token, errors: null };
  return { token: null, errors };
}
