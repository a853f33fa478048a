import { describe, expect, it } from 'vitest';
import { REDACTED, scrubMessages, scrubText, secretValues } from '../src/security/redact.ts';
import {
  isScrubbed,
  missingScrubbedFields,
  patchScrubbedOrder,
  SCRUBBED,
  scrubbedFields,
  scrubFields,
} from '../src/security/scrub.ts';

describe('scrubText', () => {
  it('masks any run of 12 or more digits as a card, spaces and hyphens included', () => {
    expect(scrubText('Invalid card 4111111111111111 given')).toBe('Invalid card •••• 1111 given');
    expect(scrubText('card 4111-1111-1111-1234, retry')).toBe('card •••• 1234, retry');
    expect(scrubText('card 4111 1111 1111 9876')).toBe('card •••• 9876');
  });

  it('keeps shorter numbers such as phone numbers and zip codes', () => {
    const text = 'MDN 2045691144 in zip 60409 for enrollment WSN977';
    expect(scrubText(text)).toBe(text);
  });

  it('redacts the known secrets of the order where they stand as whole words', () => {
    const secrets = secretValues({ cvv: '9173', ssn: '8642', dob: '1979-03-14', plan_id: '606' }, [
      'cvv',
      'ssn',
      'dob',
    ]);
    const text = 'CVV 9173 does not match; SSN "8642", DOB 1979-03-14; plan 606; id X9173Y';
    expect(scrubText(text, secrets)).toBe(
      `CVV ${REDACTED} does not match; SSN "${REDACTED}", DOB ${REDACTED}; plan 606; id X9173Y`,
    );
  });

  it('finds secrets nested in security answers and leaves out values too short to matter', () => {
    const values = secretValues(
      {
        security_questions_answers: [{ question: 'First pet?', answer: 'Fluffy' }],
        expiration_month: '07',
      },
      ['security_questions_answers', 'expiration_month'],
    );
    expect(values.sort()).toEqual(['First pet?', 'Fluffy']);
  });

  it('scrubs msg and every error of an outcome, keeping its other fields', () => {
    const outcome = {
      class: 'permanent',
      msg_code: 'RESTAPI110',
      msg: 'Error occurred',
      errors: ['Card 4012888888881881 declined', 'CVV 9173 invalid'],
    };
    expect(scrubMessages(outcome, ['9173'])).toEqual({
      ...outcome,
      errors: ['Card •••• 1881 declined', `CVV ${REDACTED} invalid`],
    });
  });
});

describe('scrubbed fields', () => {
  it('replaces present secret values by the marker and names them', () => {
    const { record, scrubbed } = scrubFields({ card_number: 'enc:v1:x', cvv: '', name: 'J' }, [
      'card_number',
      'cvv',
      'ssn',
    ]);
    expect(record).toEqual({ card_number: SCRUBBED, cvv: '', name: 'J' });
    expect(scrubbed).toEqual(['card_number']);
    expect(scrubbedFields(record)).toEqual(['card_number']);
    expect(isScrubbed({ scrubbed: true, other: 1 })).toBe(false);
  });

  it('requires every scrubbed field in a replay patch and names those missing', () => {
    const order = { card_number: SCRUBBED, cvv: SCRUBBED, zip: '60409' };
    expect(missingScrubbedFields(order)).toEqual(['card_number', 'cvv']);
    expect(missingScrubbedFields(order, { card_number: '4111111111111111', cvv: '' })).toEqual([
      'cvv',
    ]);
    expect(missingScrubbedFields(order, { card_number: '4111111111111111', cvv: '123' })).toEqual(
      [],
    );
  });

  it('lets intake refill config-filled fields and applies the patch for a replay', () => {
    const order = { card_number: SCRUBBED, agent_password: SCRUBBED, zip: '60409' };
    expect(missingScrubbedFields(order, {}, ['agent_password'])).toEqual(['card_number']);
    expect(
      patchScrubbedOrder(order, { card_number: '4111111111111111' }, ['agent_password']),
    ).toEqual({
      order: { card_number: '4111111111111111', zip: '60409' },
      missing: [],
    });
  });
});
