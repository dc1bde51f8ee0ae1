import { expect } from 'vitest';

/**
 * Fails the test, naming `what`, when a value it needs is missing; otherwise returns it narrowed, so tests
 * read lookups (`.at()`, `exec`, indexing) without non-null assertions.
 */
export function defined<T>(value: T | null | undefined, what: string): T {
  expect(value, what).toBeDefined();
  expect(value, what).not.toBeNull();
  if (value === undefined || value === null) throw new Error(`${what} is missing`);
  return value;
}
