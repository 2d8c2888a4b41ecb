import { InputError } from './errors.ts';

/** The two sizes every part runs at: quick (CI, minutes) and full (the real thing). */
export const profiles = ['quick', 'full'] as const;
export type Profile = (typeof profiles)[number];

/** The profile a person named (`what` names where: "--profile"); anything else is an InputError naming both choices. */
export function parseProfile(value: string, what = 'profile'): Profile {
  if ((profiles as readonly string[]).includes(value)) return value as Profile;
  throw new InputError('RAMPART_PROFILE_INVALID', `${what} must be quick or full, got "${value}"`, {
    hint: `e.g. ${what} quick`,
  });
}
