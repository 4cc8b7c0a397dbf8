/** Header names that more than one feature reads or writes (they set them, CORS exposes them). */

/** The id a request goes by, echoed on its response and written to its log lines. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** Rows of the answered dataset that a lenient load skipped; absent when none were. */
export const REJECTED_ROWS_HEADER = 'X-Rejected-Rows';
