import { z } from 'zod';
import { checkTaxId } from './check.js';
import { isTaxIdType, TAX_ID_TYPES, type TaxId } from './types.js';

/**
 * One caller-given tax id `{type, value}` (unknown keys refused), output as the normalised
 * {@link TaxId} to store. Both refusals carry `ledgerCode: 'invalid_tax_id'` so the error names
 * the offending field: an unknown `type` on path `['type']`, a value of the wrong shape on
 * `['value']`. A checksum mismatch is not an issue: it is recorded in `verification`.
 */
export const taxIdInputSchema = z
  .strictObject({ type: z.string(), value: z.string() })
  .transform((input, ctx): TaxId => {
    if (!isTaxIdType(input.type)) {
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: `must be one of ${TAX_ID_TYPES.join(', ')}`,
        params: { ledgerCode: 'invalid_tax_id' },
      });
      return z.NEVER;
    }
    const result = checkTaxId(input.type, input.value);
    if (!result.ok) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: result.message,
        params: { ledgerCode: 'invalid_tax_id' },
      });
      return z.NEVER;
    }
    return result.taxId;
  });

/** A caller-given tax id before validation (what {@link taxIdInputSchema} accepts). */
export type TaxIdInput = z.input<typeof taxIdInputSchema>;
