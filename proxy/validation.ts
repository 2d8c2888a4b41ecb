import { errors } from './api-error.ts';

/**
 * How far the proxy checks its input. Toxiproxy accepts much that rampart
 * would call a mistake (negative latency, toxicity 3, a slicer with no
 * attributes…). By default the proxy accepts the same as Toxiproxy and logs
 * a warning for each such point; with `strict` (`rampart proxy --strict`)
 * each is a 400 naming the field.
 */
export interface Validation {
  readonly strict: boolean;
  /** `message` names the field and what is wrong with it (e.g. "attributes.latency: must be >= 0"). */
  concern(message: string, where?: string): void;
}

export function createValidation(strict: boolean, warn: (message: string) => void): Validation {
  return {
    strict,
    concern(message, where = '') {
      if (strict) throw errors.badRequestBody.with(`${message}${where}`);
      warn(`${where ? `${where.trim()}: ` : ''}${message} — accepted, as Toxiproxy does (--strict refuses it)`);
    },
  };
}

/** Accepts everything without a word: for internal callers that already validated. */
export const lenientSilently: Validation = { strict: false, concern() {} };
