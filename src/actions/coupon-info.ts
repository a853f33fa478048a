import { z } from 'zod';
import { optional } from './field.ts';
import { city, state2, text, zip5 } from './formats.ts';

const couponObject = z.looseObject(
  {
    coupon_code: optional(text),
    city: optional(city),
    state: optional(state2),
    zip_code: optional(zip5),
  },
  { error: 'must be an object such as {"coupon_code": "…", "zip_code": "…"}' },
);

/**
 * Handover `coupon_info`. The table types it "array" but its example and the vendor sample are
 * one JSON object (a PHP associative array), so an object is what is accepted; "" is absent.
 */
export const couponInfo: z.ZodType<unknown> = z
  .preprocess((value) => (value === '' ? undefined : value), couponObject.nullable().optional())
  .optional();
