/** Shared assertion for gateway parser tests. */
import { expect } from 'vitest';
import { GatewayError } from '../../gateways/gateway-error.js';

/** Runs fn, expects it to throw a GatewayError, and returns it for further checks. */
export function rejection(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('expected a GatewayError');
}
