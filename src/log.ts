import { type Logger, pino } from 'pino';

export type { Logger };

/** Keys whose values are secrets wherever they appear in a logged object. */
const SECRET_KEYS = [
  // order fields (every action's secretFields, and vCare's own names for them)
  'card_number',
  'cvv',
  'ssn',
  'ssnum',
  'port_ssn',
  'dob',
  'password',
  'port_account_password',
  'agent_password',
  'ivr_pin',
  'pin',
  'security_questions_answers',
  'expiration_month',
  'expiration_year',
  // vCare tokens and credentials; our own keys
  'token',
  'credentials',
  'authorization',
  'DATA_KEY',
  'API_KEYS',
  'ADMIN_PASSWORD',
  'VCARE_PASSWORD',
  'VCARE_PIN',
  'VCARE_AGENT_PASSWORD',
  'CALLBACK_SECRET',
];

/**
 * Secret paths redacted at the depths we log (pino has no recursive wildcard: top level, one
 * and two levels down), plus HTTP auth headers and request bodies (`json` is where ky keeps
 * one). Logs carry ids and outcomes, never bodies, so this is a safety net.
 */
export const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
  'req.headers.token',
  'req.body',
  '*.req.body',
  'request.body',
  '*.options.json',
  '*.*.options.json',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'vcare-orders' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
