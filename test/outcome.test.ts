import { describe, expect, it } from 'vitest';
import { classify, type Exchange, OUTCOME_TABLE } from '../src/vcare/outcome.ts';
import { parseReply } from '../src/vcare/reply.ts';

const ok = (msg_code: string, msg = 'x') => ({ msg_code, msg });
const SUCCESS = parseReply('{"msg_code":"RESTAPI000","msg":"Success"}');
const reply = (status: number, body: ReturnType<typeof parseReply>): Exchange => ({
  kind: 'reply',
  status,
  body,
});
const networkError = (code: string) => {
  const inner = Object.assign(new Error('socket'), { code });
  const fetchFailed = new TypeError('fetch failed', { cause: inner });
  const err = new Error('Request failed', { cause: fetchFailed });
  err.name = 'NetworkError';
  return err;
};
const timeoutError = () => Object.assign(new Error('Request timed out'), { name: 'TimeoutError' });

// One case per row of the table, in the table's order, so a new row needs a new case here.
const rows: Array<[string, Exchange, string, string]> = [
  [
    'timeout after sending',
    { kind: 'failure', error: timeoutError() },
    'unknown-outcome',
    'timeout',
  ],
  [
    'connection never opened',
    { kind: 'failure', error: networkError('ECONNREFUSED') },
    'transient',
    'ECONNREFUSED',
  ],
  [
    'connection lost after sending, or reply cut short',
    { kind: 'failure', error: networkError('UND_ERR_SOCKET') },
    'unknown-outcome',
    'UND_ERR_SOCKET',
  ],
  ['HTTP 408, 429 or 5xx', reply(503, undefined), 'transient', 'http_503'],
  ['other HTTP 4xx', reply(404, undefined), 'permanent', 'http_404'],
  ['unreadable body', reply(200, undefined), 'transient', 'http_200'],
  ['RESTAPI000', reply(200, SUCCESS), 'success', 'RESTAPI000'],
  ['RESTAPI001 token refused', reply(200, ok('RESTAPI001', 'Token expire')), 'token', 'RESTAPI001'],
  [
    'any other msg_code (validation, access, configuration)',
    reply(200, ok('RESTAPI110', 'Error occurred')),
    'permanent',
    'RESTAPI110',
  ],
];

describe('outcome classifier', () => {
  it('has exactly one test case per table row, in order', () => {
    expect(rows.map((r) => r[0])).toEqual(OUTCOME_TABLE.map((r) => r.when));
  });

  it.each(rows)('%s → %s', (_when, exchange, expected, cause) => {
    const outcome = classify(exchange);
    expect(outcome.class).toBe(expected);
    expect(outcome.cause).toBe(cause);
  });

  it.each([
    ['ENOTFOUND', 'transient'],
    ['EAI_AGAIN', 'transient'],
    ['UND_ERR_CONNECT_TIMEOUT', 'transient'],
    ['ECONNRESET', 'unknown-outcome'],
    ['EPIPE', 'unknown-outcome'],
  ])('network code %s → %s', (code, expected) => {
    expect(classify({ kind: 'failure', error: networkError(code) }).class).toBe(expected);
  });

  it.each(['Invalid Token', 'Token already used', 'Token expire'])(
    '"%s" is a token fault',
    (msg) => {
      expect(classify(reply(200, ok('RESTAPI001', msg))).class).toBe('token');
    },
  );

  it('treats "Invalid Access!!" (wrong method) as permanent, not a token fault', () => {
    expect(classify(reply(200, ok('RESTAPI001', 'Invalid Access!!'))).class).toBe('permanent');
  });

  it.each([429, 500, 502, 504, 408])('HTTP %i is transient', (status) => {
    expect(classify(reply(status, undefined)).class).toBe('transient');
  });

  it('keeps Retry-After, msg and errors', () => {
    const outcome = classify({ kind: 'reply', status: 429, body: undefined, retryAfterMs: 5000 });
    expect(outcome.retryAfterMs).toBe(5000);
    const failed = classify(
      reply(
        200,
        parseReply(
          '{"msg_code":"RESTAPI110","msg":"Error occurred","errors":["Please enter Email"]}',
        ),
      ),
    );
    expect(failed).toMatchObject({
      msgCode: 'RESTAPI110',
      msg: 'Error occurred',
      errors: ['Please enter Email'],
    });
  });
});

describe('reply parser', () => {
  it('reads the vendor sample failure body despite its missing comma', () => {
    const text =
      '{\n    "errors":["Source Not Allowed"]\n    "msg": "Source Not Allowed",\n    "msg_code": "RESTAPI103",\n    "token": "abc"\n}';
    expect(parseReply(text)).toEqual({
      msg_code: 'RESTAPI103',
      msg: 'Source Not Allowed',
      errors: ['Source Not Allowed'],
      data: undefined,
      token: 'abc',
    });
  });

  it('reads a trailing comma', () => {
    expect(parseReply('{"msg_code":"RESTAPI000","msg":"Success",}')?.msg_code).toBe('RESTAPI000');
  });

  it.each(['', '<html>502 Bad Gateway</html>', '[]', 'null', '{"msg":"no code"}', '{"msg_code":'])(
    'gives undefined for %j, never a success',
    (text) => {
      expect(parseReply(text)).toBeUndefined();
    },
  );
});
