// Exit-code contract (README "What you get"): 0 success, 2 bad usage, 1 failure.

/** Bad usage: exit 2. The message says what to type instead. */
export class UsageError extends Error {}

/** A failure the user can act on: exit 1 with this message (no stack trace). */
export class FailError extends Error {}

export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;
