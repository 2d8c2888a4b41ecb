/**
 * An error the HTTP API answers with `{"error": message, "status": status}`,
 * with Toxiproxy's messages and status codes (api.go), so clients that match
 * on them keep working.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  toJSON(): { error: string; status: number } {
    return { error: this.message, status: this.status };
  }
  /** "bad request body: <detail>" style errors, as Go's joinError builds them. */
  with(detail: string): ApiError {
    return new ApiError(`${this.message}: ${detail}`, this.status);
  }
}

export const errors = {
  badRequestBody: new ApiError('bad request body', 400),
  missingField: new ApiError('missing required field', 400),
  proxyNotFound: new ApiError('proxy not found', 404),
  proxyAlreadyExists: new ApiError('proxy already exists', 409),
  /** Toxiproxy's own words ("both" is rampart's extension, named under --strict). */
  invalidStream: new ApiError('stream was invalid, can be either upstream or downstream', 400),
  invalidStreamStrict: new ApiError('stream was invalid, can be either upstream, downstream or both', 400),
  invalidToxicType: new ApiError('invalid toxic type', 400),
  toxicAlreadyExists: new ApiError('toxic already exists', 409),
  toxicNotFound: new ApiError('toxic not found', 404),
} as const;
