/**
 * The one registry of the hub's stable error codes. Each code's row in docs/errors.md is
 * checked against this table both ways by a test. Titles are fixed sentences: a problem
 * never carries a submitted value.
 */
export const HUB_ERRORS = {
  HUB_ERR_MALFORMED_JSON: { status: 400, retryable: false, title: 'The body is not well-formed JSON.' },
  HUB_ERR_INVALID_UTF8: { status: 400, retryable: false, title: 'The body is not valid UTF-8.' },
  HUB_ERR_FORBIDDEN_KEY: { status: 400, retryable: false, title: 'The body uses a reserved property name (__proto__ or constructor.prototype).' },
  HUB_ERR_BAD_ENVELOPE: { status: 400, retryable: false, title: 'The message envelope is not {type, timestamp, data} with a known type.' },
  HUB_ERR_BAD_WEBHOOK_ID: { status: 400, retryable: false, title: 'The webhook-id header must be 1 to 255 printable ASCII characters without spaces.' },
  HUB_ERR_UNAUTHENTICATED: { status: 401, retryable: false, title: 'The request could not be authenticated.' },
  HUB_ERR_TIMESTAMP_OUT_OF_TOLERANCE: { status: 401, retryable: false, title: 'The webhook-timestamp is too far from the current time.' },
  HUB_ERR_MESSAGE_TYPE_NOT_ALLOWED: { status: 403, retryable: false, title: 'This partner is not allowed to send this message type.' },
  HUB_ERR_FEEDBACK_NOT_RECIPIENT: { status: 403, retryable: false, title: 'Only the recipient of a delivery may send feedback on it.' },
  HUB_ERR_NOT_FOUND: { status: 404, retryable: false, title: 'No such resource.' },
  HUB_ERR_IDEMPOTENCY_CONFLICT: { status: 409, retryable: false, title: 'This webhook-id was already used for a different body.' },
  HUB_ERR_BODY_TOO_LARGE: { status: 413, retryable: false, title: 'The body is larger than the limit.' },
  HUB_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, title: 'The body must be sent as application/json.' },
  HUB_ERR_VALIDATION: { status: 422, retryable: false, title: 'The message breaks one or more schema or domain rules.' },
  HUB_ERR_RATE_LIMITED: { status: 429, retryable: true, title: 'This partner has sent more requests than its rate limit allows.' },
  HUB_ERR_INTERNAL: { status: 500, retryable: true, title: 'The hub failed unexpectedly; nothing was accepted.' },
  HUB_ERR_STORAGE_UNAVAILABLE: { status: 503, retryable: true, title: 'Storage is unavailable; nothing was accepted.' },
} as const satisfies Record<string, { status: number; retryable: boolean; title: string }>;

export type HubErrorCode = keyof typeof HUB_ERRORS;

export interface ProblemIssue {
  pointer: string;
  code: string;
  message: string;
}

/** RFC 9457 problem details with the hub's stable code. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: HubErrorCode;
  detail?: string;
  instance?: string;
  errors?: ProblemIssue[];
}

export const PROBLEM_TYPE_BASE = 'https://early-help-hub.org/problems/';

export function problem(code: HubErrorCode, extra: { detail?: string; instance?: string; errors?: ProblemIssue[] } = {}): Problem {
  const entry = HUB_ERRORS[code];
  return {
    type: PROBLEM_TYPE_BASE + code.replace(/^HUB_ERR_/, '').toLowerCase().replaceAll('_', '-'),
    title: entry.title,
    status: entry.status,
    code,
    ...extra,
  };
}
