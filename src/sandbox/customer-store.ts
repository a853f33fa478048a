/** A customer the sandbox created for one enrollment. */
export interface Customer {
  readonly id: string;
  readonly enrollmentId: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly planId: string | null;
  readonly state: string | null;
}

export type NewCustomer = Omit<Customer, 'id'>;

/** vCare-looking customer ids; the sample responses show four-digit ones. */
const firstCustomerId = 5001;

/** Customers by enrollment id: vCare holds at most one customer per enrollment. */
export class CustomerStore {
  readonly #byEnrollment = new Map<string, Customer>();
  // Not reset by `clear`: an id handed out once is never handed out again by this process.
  #nextId = firstCustomerId;

  get(enrollmentId: string): Customer | undefined {
    return this.#byEnrollment.get(enrollmentId);
  }

  /** Creates the enrollment's customer; `undefined` when it already has one. */
  create(fields: NewCustomer): Customer | undefined {
    if (this.#byEnrollment.has(fields.enrollmentId)) return undefined;
    const customer: Customer = { ...fields, id: String(this.#nextId++) };
    this.#byEnrollment.set(fields.enrollmentId, customer);
    return customer;
  }

  clear(): void {
    this.#byEnrollment.clear();
  }
}
