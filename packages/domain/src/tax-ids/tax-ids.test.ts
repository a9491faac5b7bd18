import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isLedgerError } from '../errors.js';
import { parseInput } from '../validation.js';
import { checkTaxId, taxIdCountry } from './check.js';
import { EU_VAT_PREFIXES } from './eu-vat.js';
import { taxIdInputSchema } from './schema.js';
import { CHECKSUM_MISMATCH, TAX_ID_TYPES, type TaxIdType } from './types.js';

// Real, publicly listed numbers (tax authorities' own ids and numbers collected by the
// python-stdnum project), each with the canonical value we store and no checksum complaint.
const VALID: ReadonlyArray<readonly [TaxIdType, string, string]> = [
  ['eu_vat', 'ATU 142 43 102', 'ATU14243102'],
  ['eu_vat', 'BE 0202.239.951', 'BE0202239951'],
  ['eu_vat', 'BG 175074752', 'BG175074752'],
  ['eu_vat', 'BG7111042925', 'BG7111042925'],
  ['eu_vat', 'CY-10189098G', 'CY10189098G'],
  ['eu_vat', 'CZ 25123891', 'CZ25123891'],
  ['eu_vat', 'CZ 6956220612', 'CZ6956220612'],
  ['eu_vat', 'DE136695976', 'DE136695976'],
  ['eu_vat', 'DE 811 363 057', 'DE811363057'],
  ['eu_vat', 'DK 13 20 24 35', 'DK13202435'],
  ['eu_vat', 'EE 100 931 558', 'EE100931558'],
  ['eu_vat', 'EL 094279805', 'EL094279805'],
  ['eu_vat', 'ES A-28184661', 'ESA28184661'],
  ['eu_vat', 'ES 54362315K', 'ES54362315K'],
  ['eu_vat', 'ES X5277343Q', 'ESX5277343Q'],
  ['eu_vat', 'FI 20774740', 'FI20774740'],
  ['eu_vat', 'FR 40 303 265 045', 'FR40303265045'],
  ['eu_vat', 'FR K 7399859412', 'FRK7399859412'],
  ['eu_vat', 'HR 33392005961', 'HR33392005961'],
  ['eu_vat', 'HU-12892312', 'HU12892312'],
  ['eu_vat', 'IE 6388047V', 'IE6388047V'],
  ['eu_vat', 'IE6433435IH', 'IE6433435IH'],
  ['eu_vat', 'IE8D79739I', 'IE8D79739I'],
  ['eu_vat', 'IT 00743110157', 'IT00743110157'],
  ['eu_vat', 'LT 119511515', 'LT119511515'],
  ['eu_vat', 'LT100001919017', 'LT100001919017'],
  ['eu_vat', 'LU 20993674', 'LU20993674'],
  ['eu_vat', 'LV 40003521600', 'LV40003521600'],
  ['eu_vat', 'MT 1167-9112', 'MT11679112'],
  ['eu_vat', 'NL.8186.43.778.B.01', 'NL818643778B01'],
  ['eu_vat', 'PL 584-030-44-72', 'PL5840304472'],
  ['eu_vat', 'PT 501 964 843', 'PT501964843'],
  ['eu_vat', 'RO 185 472 90', 'RO18547290'],
  ['eu_vat', 'SE 556043606401', 'SE556043606401'],
  ['eu_vat', 'SI 50223054', 'SI50223054'],
  ['eu_vat', 'SK 2022193459', 'SK2022193459'],
  ['eu_vat', 'XI 980 7806 84', 'XI980780684'],
  ['gb_vat', 'GB 980 7806 84', 'GB980780684'],
  ['gb_vat', '980780684', 'GB980780684'],
  ['gb_vat', 'GB980780684001', 'GB980780684001'],
  ['gb_vat', 'GD001', 'GBGD001'],
  ['gb_vat', 'HA500', 'GBHA500'],
  ['us_ein', '91-1144442', '911144442'],
  ['us_ein', '042103594', '042103594'],
  ['au_abn', '51 824 753 556', '51824753556'],
  ['au_abn', 'ABN 83 914 571 673', '83914571673'],
  ['in_gst', '27AAPFU0939F1ZV', '27AAPFU0939F1ZV'],
  ['ca_bn', '12302 6635', '123026635'],
  ['ca_bn', '123026635 RC 0001', '123026635RC0001'],
  ['ca_bn', '751055724RT0001', '751055724RT0001'],
  ['ch_vat', 'CHE-107.787.577 IVA', 'CHE107787577IVA'],
  ['ch_vat', 'CHE-110.576.236 TVA', 'CHE110576236TVA'],
  ['ch_vat', 'CHE-100.155.212 MWST', 'CHE100155212MWST'],
  ['no_vat', 'NO 995 525 828 MVA', 'NO995525828MVA'],
  ['nz_gst', '49-091-850', '049091850'],
  ['nz_gst', 'NZ 49-098-576', '049098576'],
];

// The same kind of numbers with one character changed: well shaped, wrong check digits.
const MISMATCHED: ReadonlyArray<readonly [TaxIdType, string, string]> = [
  ['eu_vat', 'DE123456789', 'DE123456789'],
  ['eu_vat', 'ATU 143 43 102', 'ATU14343102'],
  ['eu_vat', 'BE 0406.139.583', 'BE0406139583'],
  ['eu_vat', 'CY 10246672F', 'CY10246672F'],
  ['eu_vat', 'DE 125014855', 'DE125014855'],
  ['eu_vat', 'EL 094013834', 'EL094013834'],
  ['eu_vat', 'ES 54362415K', 'ES54362415K'],
  ['eu_vat', 'FR 04409414264', 'FR04409414264'],
  ['eu_vat', 'HR 33392005962', 'HR33392005962'],
  ['eu_vat', 'IE 4731823H', 'IE4731823H'],
  ['eu_vat', 'IT 00743110158', 'IT00743110158'],
  ['eu_vat', 'NL818643779B01', 'NL818643779B01'],
  ['eu_vat', 'PL 5261025422', 'PL5261025422'],
  ['eu_vat', 'SE 556043606501', 'SE556043606501'],
  ['eu_vat', 'SK 1078449164', 'SK1078449164'],
  ['eu_vat', 'XI 802311781', 'XI802311781'],
  ['gb_vat', '802311781', 'GB802311781'],
  ['gb_vat', 'GD500', 'GBGD500'],
  ['gb_vat', 'HA499', 'GBHA499'],
  ['au_abn', '51 824 753 557', '51824753557'],
  ['in_gst', '27AAPFU0939F1ZO', '27AAPFU0939F1ZO'],
  ['ca_bn', '123026636', '123026636'],
  ['ch_vat', 'CHE-107.787.578 IVA', 'CHE107787578IVA'],
  ['no_vat', 'NO 995 525 829 MVA', 'NO995525829MVA'],
  ['nz_gst', '136410133', '136410133'],
  ['nz_gst', '49-091-851', '049091851'],
];

// Wrong shape for the type: refused, with a message naming what the shape should be.
const REFUSED: ReadonlyArray<readonly [TaxIdType, string, string]> = [
  ['eu_vat', 'DE12345678', 'Germany VAT numbers are DE + 9 digits'],
  ['eu_vat', 'DE1234567890', 'DE + 9 digits'],
  ['eu_vat', 'DE13669597X', 'DE + 9 digits'],
  ['eu_vat', 'AT12345678', 'ATU + 8 digits'],
  ['eu_vat', 'FR1234567890', 'FR + 2 digits or letters'],
  ['eu_vat', 'FRIO123456789', 'not I or O'],
  ['eu_vat', 'NL123456789', 'NL + 9 digits + B + 2 digits'],
  ['eu_vat', 'ES123456789', 'not all digits'],
  ['eu_vat', 'BE2123456789', 'starting with 0 or 1'],
  ['eu_vat', 'RO0123', 'not starting with 0'],
  ['eu_vat', 'SE55604360640', 'SE + 12 digits'],
  ['eu_vat', 'XI12345', 'Northern Ireland'],
  ['eu_vat', '136695976', 'must start with an EU VAT country prefix'],
  ['eu_vat', 'US123456789', 'must start with an EU VAT country prefix'],
  ['eu_vat', 'GB980780684', 'must start with an EU VAT country prefix'],
  ['eu_vat', '', 'must start with an EU VAT country prefix'],
  ['gb_vat', 'GB98078068', 'GB + 9 or 12 digits'],
  ['gb_vat', 'XI980780684', 'GB + 9 or 12 digits'],
  ['gb_vat', 'GBAB123', 'GD/HA'],
  ['us_ein', '91-114444', '9 digits'],
  ['us_ein', '911-14-4442', 'written NN-NNNNNNN'],
  ['us_ein', '91114444A', '9 digits'],
  ['au_abn', '5182475355', '11 digits'],
  ['au_abn', '518247535561', '11 digits'],
  ['in_gst', '27AAPFU0939F1Z', '15 characters'],
  ['in_gst', '369296450896540', '15 characters'],
  ['in_gst', 'AAAPFU0939F1ZV7', '15 characters'],
  ['ca_bn', '12302663', '9 digits'],
  ['ca_bn', '123026635RT001', 'program account'],
  ['ca_bn', '1230266350001', 'program account'],
  ['ch_vat', 'CHE-107.787.577 ZZZ', 'CHE + 9 digits + MWST'],
  ['ch_vat', 'ZZZ-107.787.577 MWST', 'CHE + 9 digits'],
  ['ch_vat', 'CHE-107.787.57 MWST', 'CHE + 9 digits'],
  ['no_vat', '99552582', '9 digits'],
  ['no_vat', 'NO 995 525 828 VAT', '9 digits'],
  ['nz_gst', '9125568', '8 or 9 digits'],
  ['nz_gst', '1234567890', '8 or 9 digits'],
];

function digitStrings(length: number) {
  return fc
    .array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length })
    .map((digits) => digits.join(''));
}

/** ISO 7064 MOD 11,10 (German VAT), written independently of jsvat's version. */
function germanCheckDigit(first8: string): number {
  let product = 10;
  for (const char of first8) {
    const sum = (Number(char) + product) % 10 || 10;
    product = (2 * sum) % 11;
  }
  return (11 - product) % 10;
}

/** Luhn mod 36 from the right (the textbook "Luhn mod N" generator), as GSTIN uses it. */
function gstinCheckChar(first14: string): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let factor = 2;
  let sum = 0;
  for (let i = first14.length - 1; i >= 0; i--) {
    const addend = factor * alphabet.indexOf(first14.charAt(i));
    sum += Math.floor(addend / 36) + (addend % 36);
    factor = factor === 2 ? 1 : 2;
  }
  return alphabet.charAt((36 - (sum % 36)) % 36);
}

/** Prepends the two digits that make a 9-digit body a valid ABN (ATO: weighted sum mod 89). */
function abnFor(body: string): string | undefined {
  const weights = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];
  for (let prefix = 10; prefix <= 99; prefix++) {
    const digits = `${prefix}${body}`.split('').map(Number);
    digits[0] = (digits[0] ?? 0) - 1;
    const sum = digits.reduce((acc, digit, i) => acc + digit * (weights[i] ?? 0), 0);
    if (sum % 89 === 0) return `${prefix}${body}`;
  }
  return undefined;
}

function acceptedValue(type: TaxIdType, raw: string) {
  const result = checkTaxId(type, raw);
  if (!result.ok) throw new Error(`expected ${type} ${raw} to be accepted: ${result.message}`);
  return result.taxId;
}

describe('checkTaxId: real numbers', () => {
  it.each(VALID)('%s %j is stored as %j with no checksum complaint', (type, raw, value) => {
    expect(checkTaxId(type, raw)).toEqual({
      ok: true,
      taxId: { type, value, verification: { status: 'unverified' } },
    });
  });

  it('covers every EU member state plus Northern Ireland', () => {
    const covered = new Set(
      VALID.filter(([type]) => type === 'eu_vat').map(([, , value]) => value.slice(0, 2)),
    );
    expect([...covered].sort()).toEqual([...EU_VAT_PREFIXES].sort());
    expect(EU_VAT_PREFIXES).toHaveLength(28);
  });
});

describe('checkTaxId: checksum mismatches are recorded, not refused', () => {
  it.each(MISMATCHED)('%s %j is stored as %j with checksum_mismatch', (type, raw, value) => {
    expect(checkTaxId(type, raw)).toEqual({
      ok: true,
      taxId: { type, value, verification: { status: 'unverified', reason: CHECKSUM_MISMATCH } },
    });
  });

  it("accepts the seed's DE123456789 although it fails the German checksum", () => {
    const taxId = acceptedValue('eu_vat', 'DE123456789');
    expect(taxId.value).toBe('DE123456789');
    expect(taxId.verification).toEqual({ status: 'unverified', reason: 'checksum_mismatch' });
  });

  it('never reports a checksum for US EINs, which have none', () => {
    fc.assert(
      fc.property(digitStrings(9), (ein) => {
        expect(acceptedValue('us_ein', ein).verification).toEqual({ status: 'unverified' });
      }),
    );
  });
});

describe('checkTaxId: checksums against independent computations', () => {
  it('German VAT: the ISO 7064 check digit passes, any other last digit is recorded', () => {
    // German VAT numbers never start with 0 (jsvat records DE0… as a mismatch too).
    const body8 = fc.tuple(fc.integer({ min: 1, max: 9 }), digitStrings(7)).map((p) => p.join(''));
    fc.assert(
      fc.property(body8, fc.integer({ min: 1, max: 9 }), (body, shift) => {
        const check = germanCheckDigit(body);
        const good = acceptedValue('eu_vat', `DE${body}${check}`);
        const bad = acceptedValue('eu_vat', `DE${body}${(check + shift) % 10}`);
        expect(good.verification.reason).toBeUndefined();
        expect(bad.verification.reason).toBe(CHECKSUM_MISMATCH);
      }),
    );
  });

  it('ABN: a mod 89 valid number passes and a one-digit change is recorded', () => {
    fc.assert(
      fc.property(
        digitStrings(9),
        fc.integer({ min: 2, max: 10 }),
        fc.integer({ min: 1, max: 9 }),
        (body, position, shift) => {
          const abn = abnFor(body);
          if (abn === undefined) throw new Error(`no ABN prefix for ${body}`);
          const changed = `${abn.slice(0, position)}${(Number(abn[position]) + shift) % 10}${abn.slice(position + 1)}`;
          expect(acceptedValue('au_abn', abn).verification.reason).toBeUndefined();
          expect(acceptedValue('au_abn', changed).verification.reason).toBe(CHECKSUM_MISMATCH);
        },
      ),
    );
  });

  it('GSTIN: the Luhn mod 36 check character passes, any other one is recorded', () => {
    const letters = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    const pan = fc
      .tuple(fc.array(letters, { minLength: 5, maxLength: 5 }), digitStrings(4), letters)
      .map(([head, digits, last]) => `${head.join('')}${digits}${last}`);
    fc.assert(
      fc.property(digitStrings(2), pan, letters, letters, (state, panNumber, entity, other) => {
        const first14 = `${state}${panNumber}${entity}Z`;
        const check = gstinCheckChar(first14);
        fc.pre(other !== check);
        expect(acceptedValue('in_gst', `${first14}${check}`).verification.reason).toBeUndefined();
        expect(acceptedValue('in_gst', `${first14}${other}`).verification.reason).toBe(
          CHECKSUM_MISMATCH,
        );
      }),
    );
  });

  it('GSTIN: accepts the UN-body / foreign online service form (country code + serial)', () => {
    const first14 = '9917SGP29001OS';
    const taxId = acceptedValue('in_gst', `${first14}${gstinCheckChar(first14)}`);
    expect(taxId.verification).toEqual({ status: 'unverified' });
  });
});

describe('checkTaxId: shape refusals', () => {
  it.each(REFUSED)('%s %j is refused (%s)', (type, raw, fragment) => {
    const result = checkTaxId(type, raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toContain(fragment);
    expect(result.message).toContain(type);
  });

  it('refuses a bare prefix for every EU country', () => {
    for (const prefix of EU_VAT_PREFIXES) {
      expect(checkTaxId('eu_vat', prefix).ok, prefix).toBe(false);
    }
  });

  it('names the raw value in the message, shortened when very long', () => {
    const short = checkTaxId('eu_vat', 'DE 1234');
    expect(short.ok || short.message).toContain('"DE 1234"');
    const long = checkTaxId('au_abn', '9'.repeat(500));
    expect(long.ok || long.message.length).toBeLessThan(150);
  });

  it('refuses a type outside the list when called from untyped code', () => {
    const result = checkTaxId('br_cnpj' as TaxIdType, '11222333000181');
    expect(result).toEqual({ ok: false, message: expect.stringContaining('unknown tax id type') });
  });
});

describe('checkTaxId: normalisation', () => {
  it.each([
    ['eu_vat', ' de 136.695-976 ', 'DE136695976'],
    ['eu_vat', 'de\u00a0136\u00a0695\u00a0976', 'DE136695976'],
    ['eu_vat', 'DE\u2013136695976', 'DE136695976'],
    ['eu_vat', 'gr094279805', 'EL094279805'],
    ['eu_vat', 'EL 94051189', 'EL094051189'],
    ['eu_vat', 'BE 444.503.092', 'BE0444503092'],
    ['eu_vat', 'nl 8186.43.778 b01', 'NL818643778B01'],
    ['eu_vat', 'es-x-2482300w', 'ESX2482300W'],
    ['gb_vat', 'gb980 7806 84', 'GB980780684'],
    ['us_ein', ' 91 1144442 ', '911144442'],
    ['au_abn', '51.824.753.556', '51824753556'],
    ['in_gst', '27aapfu0939f1zv', '27AAPFU0939F1ZV'],
    ['ca_bn', '123-026-635 rt 0001', '123026635RT0001'],
    ['ch_vat', 'che 100.155.212', 'CHE100155212MWST'],
    ['ch_vat', 'CHE-108.113.335 MwST', 'CHE108113335MWST'],
    ['no_vat', '995525828', 'NO995525828MVA'],
    ['no_vat', '995.525.828 mva', 'NO995525828MVA'],
    ['nz_gst', '49091850', '049091850'],
  ] as const)('%s %j becomes %j', (type, raw, value) => {
    expect(acceptedValue(type, raw).value).toBe(value);
  });

  it('is idempotent: a stored value checks to itself', () => {
    for (const [type, , value] of [...VALID, ...MISMATCHED]) {
      expect(acceptedValue(type, value).value).toBe(value);
    }
  });
});

describe('taxIdCountry', () => {
  it.each([
    ['eu_vat', 'DE136695976', 'DE'],
    ['eu_vat', 'EL094279805', 'GR'],
    ['eu_vat', 'gr 094279805', 'GR'],
    ['eu_vat', 'XI980780684', 'GB'],
    ['eu_vat', 'ATU14243102', 'AT'],
    ['eu_vat', 'FRK7399859412', 'FR'],
    ['gb_vat', 'GB980780684', 'GB'],
    ['us_ein', '911144442', 'US'],
    ['au_abn', '51824753556', 'AU'],
    ['in_gst', '27AAPFU0939F1ZV', 'IN'],
    ['ca_bn', '123026635', 'CA'],
    ['ch_vat', 'CHE107787577IVA', 'CH'],
    ['no_vat', 'NO995525828MVA', 'NO'],
    ['nz_gst', '049091850', 'NZ'],
  ] as const)('%s %j belongs to %s', (type, value, country) => {
    expect(taxIdCountry({ type, value })).toBe(country);
  });

  it('is undefined for an eu_vat value without an EU prefix, or an unknown type', () => {
    expect(taxIdCountry({ type: 'eu_vat', value: 'US123456789' })).toBeUndefined();
    expect(taxIdCountry({ type: 'eu_vat', value: '' })).toBeUndefined();
    expect(taxIdCountry({ type: 'xx_vat' as TaxIdType, value: '123' })).toBeUndefined();
  });

  it('has a country for every type', () => {
    const sample: Record<TaxIdType, string> = Object.fromEntries(
      VALID.map(([type, , value]) => [type, value]),
    ) as Record<TaxIdType, string>;
    for (const type of TAX_ID_TYPES) {
      expect(taxIdCountry({ type, value: sample[type] }), type).toMatch(/^[A-Z]{2}$/);
    }
  });
});

describe('taxIdInputSchema', () => {
  it('outputs the normalised tax id with its verification', () => {
    expect(taxIdInputSchema.parse({ type: 'au_abn', value: '51 824 753 556' })).toEqual({
      type: 'au_abn',
      value: '51824753556',
      verification: { status: 'unverified' },
    });
  });

  it('accepts DE123456789 and records the checksum mismatch', () => {
    expect(taxIdInputSchema.parse({ type: 'eu_vat', value: 'DE123456789' })).toEqual({
      type: 'eu_vat',
      value: 'DE123456789',
      verification: { status: 'unverified', reason: 'checksum_mismatch' },
    });
  });

  it('refuses a wrong shape on path value with ledgerCode invalid_tax_id', () => {
    const result = taxIdInputSchema.safeParse({ type: 'eu_vat', value: 'DE12345' });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        code: 'custom',
        path: ['value'],
        message: expect.stringContaining('DE + 9 digits'),
        params: { ledgerCode: 'invalid_tax_id' },
      }),
    ]);
  });

  it('refuses an unknown type on path type with ledgerCode invalid_tax_id', () => {
    const result = taxIdInputSchema.safeParse({ type: 'vat', value: 'DE136695976' });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        code: 'custom',
        path: ['type'],
        message: expect.stringContaining('eu_vat'),
        params: { ledgerCode: 'invalid_tax_id' },
      }),
    ]);
  });

  it('refuses unknown keys', () => {
    const result = taxIdInputSchema.safeParse({ type: 'eu_vat', value: 'DE136695976', x: 1 });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ code: 'unrecognized_keys', keys: ['x'] }),
    ]);
  });

  it('refuses a missing or non-string value as ordinary invalid input', () => {
    const result = taxIdInputSchema.safeParse({ type: 'eu_vat', value: 136695976 });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ code: 'invalid_type', path: ['value'] }),
    ]);
  });

  it('surfaces as invalid_tax_id naming taxIds[i].value through parseInput', () => {
    const schema = z.strictObject({ taxIds: z.array(taxIdInputSchema) });
    const input = {
      taxIds: [
        { type: 'eu_vat', value: 'DE136695976' },
        { type: 'gb_vat', value: 'GB12' },
      ],
    };
    let thrown: unknown;
    try {
      parseInput(schema, input);
    } catch (error) {
      thrown = error;
    }
    expect(isLedgerError(thrown, 'invalid_tax_id')).toBe(true);
    expect(isLedgerError(thrown) && thrown.param).toEqual(['taxIds', 1, 'value']);
  });
});
