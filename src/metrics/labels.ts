/**
 * Label values must stay a small closed set: a Prometheus series exists per distinct value, and
 * some values come from outside (vCare's msg_code, action names in job data).
 */

/** The msg_codes vCare documents (../shared/vcare-docs); any other value is reported as `other`. */
export const KNOWN_MSG_CODES: ReadonlySet<string> = new Set([
  'RESTAPI000',
  'RESTAPI001',
  'RESTAPI010',
  'RESTAPI101',
  'RESTAPI102',
  'RESTAPI103',
  'RESTAPI104',
  'RESTAPI105',
  'RESTAPI106',
  'RESTAPI107',
  'RESTAPI108',
  'RESTAPI109',
  'RESTAPI110',
]);

/** `none` when vCare sent no msg_code (network fault, HTTP error page), `other` when undocumented. */
export function msgCodeLabel(msgCode: string | undefined): string {
  if (msgCode === undefined || msgCode === '') return 'none';
  return KNOWN_MSG_CODES.has(msgCode) ? msgCode : 'other';
}

const NAME = /^[a-z][a-z0-9_-]{0,39}$/;

/**
 * Action, queue and reason names are ours and few, but they can reach a metric from data an
 * operator edited in Bull Board: anything that does not look like one of our names is `other`.
 */
export function nameLabel(value: string | undefined): string {
  return value !== undefined && NAME.test(value) ? value : 'other';
}
