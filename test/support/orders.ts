import { randomBytes } from 'node:crypto';

/** A unique enrollment id, optionally starting with a sandbox fault prefix (PERM, FLAKY2 …). */
export function enrollmentId(prefix = 'ENR'): string {
  return `${prefix}${randomBytes(5).toString('hex').toUpperCase()}`;
}

/** A complete, valid flat create_customer_prepaid body, as an enrollment portal sends it. */
export function prepaidOrder(
  enrollment_id = enrollmentId(),
  overrides: Record<string, unknown> = {},
) {
  return {
    action: 'create_customer_prepaid',
    enrollment_id,
    first_name: 'John',
    last_name: 'Doe',
    email: 'john.doe@example.com',
    service_address_one: '123 Main St',
    service_city: 'Camden',
    service_state: 'NJ',
    service_zip: '08104',
    plan_id: '606',
    carrier: 'TMB',
    activation_type: 'NEWACTIVATION',
    enrollment_type: 'SHIPMENT',
    dob: '1985-12-01',
    ssn: '1234',
    password: 'hunter22',
    ...overrides,
  };
}
