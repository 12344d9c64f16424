/* The largest request body any route reads: policy drafts are the biggest legitimate input. */
export const MAX_BODY_BYTES = 16 * 1024;
