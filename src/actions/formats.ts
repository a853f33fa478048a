import { z } from 'zod';
import { type Format, matches, type Rule } from './field.ts';

// Formats the vendor pages state, each written once. Messages complete "<field> …" and never
// quote the value: several fields hold secrets (ssn, dob, card data).

function digits(count: number): Format {
  return {
    rules: [matches(new RegExp(`^\\d{${count}}$`), `must be exactly ${count} digits`)],
    expected: `${count} digits`,
    numeric: true,
  };
}

export const zip5 = digits(5);
export const zip4 = digits(4);
export const phone10 = digits(10);
/** The vendor accepts only the last four digits of a social security number. */
export const ssn4 = digits(4);

/** Any non-blank text; the vendor gives no format. */
export const text: Format = { rules: [], expected: 'text' };

export const numeric: Format = {
  rules: [matches(/^\d+$/, 'must contain only digits')],
  expected: 'digits',
  numeric: true,
};

export const alphanumeric: Format = {
  rules: [matches(/^[A-Za-z0-9]+$/, 'must contain only letters and digits')],
  expected: 'letters and digits',
  numeric: true,
};

/** Money as the vendor writes it ("1.81", "0.00"). */
export const amount: Format = {
  rules: [matches(/^\d+(\.\d{1,2})?$/, 'must be an amount such as 12 or 1.81')],
  expected: 'an amount such as 12 or 1.81',
  numeric: true,
};

export const email: Format = {
  rules: [matches(z.regexes.email, 'must be a valid email address')],
  expected: 'an email address',
};

const usStates = new Set(
  (
    'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH ' +
    'NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI UM FM MH PW ' +
    'AA AE AP'
  ).split(' '),
);

/** "Standard abbreviated form", at most two characters: a USPS code, any case, sent upper-case. */
export const state2: Format = {
  rules: [
    { test: (v) => usStates.has(v.toUpperCase()), message: 'must be a two-letter US state code' },
  ],
  expected: 'a two-letter US state code',
  normalize: (v) => v.toUpperCase(),
};

/** The number `length` ASCII digits at `from` spell, or -1 if any is not a digit. */
function digitsAt(value: string, from: number, length: number): number {
  let number = 0;
  for (let i = from; i < from + length; i++) {
    const digit = value.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    number = number * 10 + digit;
  }
  return number;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// Read digit by digit, not with a RegExp match and a Date: intake checks a date in most orders.
function isRealDate(value: string): boolean {
  if (value.length !== 10 || value[4] !== '-' || value[7] !== '-') return false;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  // Years before 100 stay refused, as they always were (Date.UTC read them as 19xx).
  if (year < 100 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number));
}

/** YYYY-MM-DD, and a day that exists. */
export const ymd: Format = {
  rules: [{ test: isRealDate, message: 'must be a real date written YYYY-MM-DD' }],
  expected: 'a date written YYYY-MM-DD',
};

/** A closed list of values, accepted in any letter case and sent in the vendor's spelling. */
export function oneOf(values: readonly string[]): Format {
  const canonical = new Map(values.map((value) => [value.toUpperCase(), value]));
  const message = `must be one of ${values.join(', ')}`;
  return {
    rules: [{ test: (v) => canonical.has(v.toUpperCase()), message }],
    expected: `one of ${values.join(', ')}`,
    normalize: (v) => canonical.get(v.toUpperCase()) ?? v,
  };
}

export const yesNo = oneOf(['Y', 'N']);

// A RegExp with `min` letters apart: no list of every letter matched, as `match` would build.
const letters = (min: number): Rule => {
  const pattern = new RegExp(`(?:[A-Za-z][^A-Za-z]*){${min}}`);
  return {
    test: (v) => pattern.test(v),
    message: min === 1 ? 'must contain a letter' : `must contain at least ${min} letters`,
  };
};

/** Letters plus space, apostrophe (straight or curly), grave accent and hyphen. */
export function personName(minLetters: number): Format {
  return {
    rules: [
      matches(
        /^[A-Za-z '‘’`-]+$/,
        'may contain only letters, spaces, apostrophes, grave accents (`) and hyphens',
      ),
      letters(minLetters),
    ],
    expected: 'a name',
  };
}

export const city: Format = {
  rules: [matches(/^[A-Za-z -]+$/, 'may contain only letters, spaces and hyphens'), letters(1)],
  expected: 'a city name',
};

const poBox = /\bP\.?\s*O\.?\s*Box\b|\bPost\s+Office\s+Box\b/i;

export interface AddressOptions {
  /** The handover page leaves `#` out of its billing address character set. */
  readonly hash?: boolean;
  readonly maxLength?: number;
  /** Billing addresses: card processors refuse a PO Box. */
  readonly noPoBox?: boolean;
}

/** Letters, digits, space, `/`, `-` and (by default) `#`, as the vendor pages list them. */
export function address(options: AddressOptions = {}): Format {
  const hash = options.hash ?? true;
  const rules: Rule[] = [];
  if (options.noPoBox) {
    rules.push({ test: (v) => !poBox.test(v), message: 'must not be a PO Box' });
  }
  rules.push(
    hash
      ? matches(/^[A-Za-z0-9 /#-]+$/, 'may contain only letters, digits, spaces and / # -')
      : matches(/^[A-Za-z0-9 /-]+$/, 'may contain only letters, digits, spaces and / -'),
  );
  if (options.maxLength !== undefined) {
    const max = options.maxLength;
    rules.push({ test: (v) => v.length <= max, message: `must be at most ${max} characters` });
  }
  return { rules, expected: 'an address line' };
}

/** A North American area code: three digits, not starting with 0 or 1. */
export const areaCode: Format = {
  rules: [matches(/^[2-9]\d{2}$/, 'must be a 3-digit area code (first digit 2 to 9)')],
  expected: 'a 3-digit area code',
  numeric: true,
};
