/** Letters, digits, `_`, `.`, `-`; 3 to 32 characters. Matching is case-insensitive (see usernameKey). */
export const USERNAME_PATTERN = '^[A-Za-z0-9_.-]{3,32}$';

const username = { type: 'string', minLength: 3, maxLength: 32, pattern: USERNAME_PATTERN } as const;

/** Body of POST /api/auth/signup. */
export const signupBody = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: { username, password: { type: 'string', minLength: 8, maxLength: 256 } },
} as const;

/**
 * Body of POST /api/auth/signin. Only the upper bounds are enforced here: a short or oddly named attempt must get the
 * same 401 as any other wrong credentials, not a 400 that tells which rule an account could never satisfy.
 */
export const signinBody = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 32 },
    password: { type: 'string', minLength: 1, maxLength: 256 },
  },
} as const;

/** Body of POST /api/auth/signout: nothing, or an empty object. */
export const signoutBody = { type: 'object', additionalProperties: false, maxProperties: 0 } as const;

const user = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'username'],
  properties: { id: { type: 'string' }, username: { type: 'string' } },
} as const;

/** Response `{ user }` of signup, signin and me. */
export const userResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['user'],
  properties: { user },
} as const;

/** The body Fastify sends for 4xx errors: `{ statusCode, error, message }`. */
export const errorResponse = {
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    error: { type: 'string' },
    message: { type: 'string' },
  },
} as const;
