export {
  RampartError,
  InputError,
  InterruptedError,
  EnvironmentError,
  ConfigInvalidError,
  PortInUseError,
  isRampartError,
  isRampartErrorCode,
  errorForCode,
  errorCodes,
  rampartErrorCodes,
} from './errors.ts';
export type { ErrorCategory, RampartErrorOptions, RampartErrorCode } from './errors.ts';
export { parseDuration, formatDuration } from './duration.ts';
export { loadEnvConfig } from './config.ts';
export type { EnvConfig } from './config.ts';
export { parseOrThrow, formatIssues, formatPath, deepFreeze } from './validation.ts';
export { getFreePort, assertPortFree, isLoopbackHost } from './net.ts';
export { parseTargetUrl, baseUrlText, assertReachable } from './target-url.ts';
export { parseProfile, profiles } from './profile.ts';
export type { Profile } from './profile.ts';
export { waitFor, forHttp } from './wait.ts';
export type { WaitStrategy } from './wait.ts';
export { nodeEntry, repoRoot, repoPath, tsNodeArgs } from './node-process.ts';
export type { ProcessControl } from './process-control.ts';
