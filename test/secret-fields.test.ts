import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCipher, DecryptError, isEncrypted } from '../src/security/cipher.ts';
import { maskSecrets, REDACTED } from '../src/security/redact.ts';
import { SCRUBBED, scrubFields, storedSecretFields } from '../src/security/scrub.ts';
import {
  decryptFields,
  encryptFields,
  SEALED,
  SEALED_SECRETS,
  sealedSecretsIssue,
} from '../src/security/secret-fields.ts';

const cipher = createCipher([randomBytes(32).toString('base64')]);
const FIELDS = ['ssn', 'dob', 'card_number', 'security_questions_answers', 'agent_password'];
const order = {
  action: 'create_customer_prepaid',
  enrollment_id: 'E1',
  first_name: 'John',
  ssn: '1234',
  dob: '1985-12-01',
  card_number: '4111111111111111',
  security_questions_answers: [{ question_id: 1, answer: 'Rex' }],
  agent_password: '',
};

describe('secrets sealed as one value per order', () => {
  it('keeps a marker in each present secret field and every secret in one ciphertext', () => {
    const stored = encryptFields(order, FIELDS, cipher);
    expect(stored).toMatchObject({
      first_name: 'John',
      ssn: SEALED,
      dob: SEALED,
      card_number: SEALED,
      security_questions_answers: SEALED,
      agent_password: '',
    });
    expect(isEncrypted(stored[SEALED_SECRETS as keyof typeof stored])).toBe(true);
    const text = JSON.stringify(stored);
    for (const secret of ['1234', '1985-12-01', '4111111111111111', 'Rex']) {
      expect(text).not.toContain(secret);
    }
    expect(decryptFields(stored, FIELDS, cipher)).toEqual(order);
  });

  it('adds no envelope to an order without secrets', () => {
    const plain = { action: 'x', enrollment_id: 'E2', ssn: '' };
    expect(encryptFields(plain, FIELDS, cipher)).toEqual(plain);
  });

  it('keeps a secret edited since (a Bull Board edit) over the sealed value', () => {
    const stored = { ...encryptFields(order, FIELDS, cipher), ssn: '9876' };
    expect(decryptFields(stored, FIELDS, cipher)).toEqual({ ...order, ssn: '9876' });
  });

  it('opens every sealed field, also one its caller did not name', () => {
    const stored = encryptFields(order, FIELDS, cipher);
    expect(decryptFields(stored, ['ssn'], cipher)).toEqual(order);
  });

  it('refuses a sealed field whose envelope is gone, tampered or foreign', () => {
    const stored: Record<string, unknown> = encryptFields(order, FIELDS, cipher);
    const { [SEALED_SECRETS]: envelope, ...without } = stored;
    expect(() => decryptFields(without, FIELDS, cipher)).toThrow(DecryptError);
    const value = String(envelope);
    const flipped = `${value.slice(0, -6)}${value.at(-6) === 'A' ? 'B' : 'A'}${value.slice(-5)}`;
    expect(() => decryptFields({ ...stored, [SEALED_SECRETS]: flipped }, FIELDS, cipher)).toThrow(
      DecryptError,
    );
    const other = createCipher([randomBytes(32).toString('base64')]);
    expect(() => decryptFields(stored, FIELDS, other)).toThrow(DecryptError);
    expect(() => decryptFields({ ...stored, [SEALED_SECRETS]: 'plain' }, FIELDS, cipher)).toThrow(
      DecryptError,
    );
  });

  it('refuses ciphertext that does not hold JSON without quoting what it holds', () => {
    const notJson = cipher.encrypt('{"ssn": 123-45-6789');
    for (const stored of [
      { action: 'x', ssn: SEALED, [SEALED_SECRETS]: notJson },
      { action: 'x', ssn: notJson },
    ]) {
      expect(() => decryptFields(stored, ['ssn'], cipher)).toThrow(DecryptError);
      expect(() => decryptFields(stored, ['ssn'], cipher)).not.toThrow(/6789/);
    }
  });

  it('still opens orders stored one ciphertext per field, and seals again what it opens', () => {
    const legacy = { ...order, ssn: cipher.encrypt(JSON.stringify('1234')) };
    const sealed = encryptFields(legacy, FIELDS, cipher);
    expect(sealed.ssn).toBe(legacy.ssn); // kept as it was
    expect(decryptFields(sealed, FIELDS, cipher)).toEqual(order);
    const resealed = encryptFields({ ...sealed, first_name: 'Jane' }, FIELDS, cipher);
    expect(decryptFields(resealed, FIELDS, cipher)).toEqual({ ...order, first_name: 'Jane' });
  });

  it('scrubs sealed fields and removes the envelope, also for fields it was not named', () => {
    const stored = encryptFields(order, FIELDS, cipher);
    const fields = storedSecretFields(stored, ['ssn']);
    expect(fields).toEqual(['ssn', 'dob', 'card_number', 'security_questions_answers']);
    const { record, scrubbed } = scrubFields(stored, ['ssn']);
    expect(record).not.toHaveProperty(SEALED_SECRETS);
    expect(record).toMatchObject({ ssn: SCRUBBED, dob: SCRUBBED, card_number: SCRUBBED });
    expect(scrubbed).toContain(SEALED_SECRETS);
    expect(scrubFields(record, fields).scrubbed).toEqual([]);
  });

  it('masks sealed fields for people, a card by its last four digits', () => {
    const stored = encryptFields(order, FIELDS, cipher);
    const masked = maskSecrets(stored, FIELDS, cipher);
    expect(masked).not.toHaveProperty(SEALED_SECRETS);
    expect(masked).toMatchObject({ ssn: REDACTED, dob: REDACTED, card_number: '•••• 1111' });
    expect(maskSecrets(stored, FIELDS).card_number).toBe(REDACTED);
  });

  it('names the envelope field when a body sets it', () => {
    expect(sealedSecretsIssue({ [SEALED_SECRETS]: 'x' })).toEqual({
      path: SEALED_SECRETS,
      message: `${SEALED_SECRETS} is reserved for the service`,
    });
    expect(sealedSecretsIssue(order)).toBeUndefined();
    expect(sealedSecretsIssue(null)).toBeUndefined();
  });
});
