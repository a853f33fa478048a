import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Secret paths redacted at any depth we log: order fields, vCare credentials and tokens,
 * HTTP auth headers. Logs carry ids and outcomes, never bodies, so this is a safety net.
 */
export const REDACT_PATHS = [
  '*.card_number',
  '*.cvv',
  '*.ssn',
  '*.ssnum',
  '*.port_ssn',
  '*.dob',
  '*.password',
  '*.port_account_password',
  '*.agent_password',
  '*.ivr_pin',
  '*.pin',
  '*.token',
  '*.security_questions_answers',
  '*.expiration_month',
  '*.expiration_year',
  'req.headers.authorization',
  'req.headers.token',
  '*.headers.authorization',
  '*.headers.token',
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
