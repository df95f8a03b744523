/**
 * What a task's public data (error_message, result_data) may say about the machines behind it:
 * nothing. Addresses (127.0.0.1:6379, [::1]:25, smtp.internal:587, localhost:5432) and
 * absolute file paths are replaced, so that an SMTP or file-system error can be shown to the
 * client that submitted the task; the full text stays in the logs.
 */
const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/g;
const IPV6 = /\[[0-9a-fA-F:.]+\](?::\d{1,5})?/g;
const HOST_AND_PORT = /\b(?:localhost|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+):\d{1,5}\b/g;
/** Two or more segments from the root: /data/outbox/<id>/1.eml, /app/dist/main.js. */
const ABSOLUTE_PATH = /(?<![\w.~-])\/(?:[\w.@~+-]+\/)+[\w.@~+-]*/g;

export const HIDDEN_ADDRESS = '<internal address>';
export const HIDDEN_PATH = '<internal path>';

export function withoutInternals(text: string): string {
  return text
    .replace(ABSOLUTE_PATH, HIDDEN_PATH)
    .replace(IPV6, HIDDEN_ADDRESS)
    .replace(IPV4, HIDDEN_ADDRESS)
    .replace(HOST_AND_PORT, HIDDEN_ADDRESS);
}
