/**
 * Masking of personal data and secrets before a run is logged (`promptLab.log.redactPII`).
 *
 * Focused, dependency-free patterns rather than a library: the npm packages that exist either pull in a cloud SDK
 * (`redact-pii` → `@google-cloud/dlp`), post to a dashboard when given a key (`@redactpii/node`), target one country's
 * documents with broad digit patterns that also eat dates and order numbers (`@cdssnc/sanitize-pii`), or are large
 * frameworks with peer dependencies on express, react and tesseract (`@openredaction/openredaction`); none checks card
 * numbers with Luhn or knows API key shapes. What is masked, and with what:
 *
 * | mask      | what                                                                                                   |
 * |-----------|--------------------------------------------------------------------------------------------------------|
 * | `[KEY]`   | `sk-…`, `sk-proj-…`, `sk-ant-…`, `AKIA…`/`ASIA…`, `ghp_…`/`gho_…`/`github_pat_…`, `xox?-…` (Slack),        |
 * |           | `AIza…` (Google), JWTs, the token after `Bearer`/`Basic`, and long random-looking hex (32+) or base64    |
 * |           | (32+, mixed case and digits, high entropy). A 40-hex git commit id is masked too: we err on masking.     |
 * | `[EMAIL]` | `name@domain.tld`                                                                                      |
 * | `[CARD]`  | 13–19 digits, bare or grouped 4-4-4-4(-3) / 4-6-5, starting with 2–6 and Luhn-valid                     |
 * | `[IP]`    | dotted IPv4 (so the bare "1.2.3.4" is masked, but not "v1.2.3.4" or a 5-part "1.2.3.4.5") and any IPv6  |
 * |           | that the WHATWG URL parser accepts as a host in brackets (see {@link isIPv6})                          |
 * | `[PHONE]` | `+` and 8–15 digits in groups; NANP `(555) 123-4567` / `555-123-4567` / `555.123.4567`; `06 12 34 56 78` |
 *
 * Left alone on purpose: versions (`v1.2.3`), dates and times (`2026-11-21`, `12:30:45`), prices, UUIDs, ISBNs,
 * order numbers without a card's shape, phone numbers written as one unbroken run of digits without `+`.
 */

/**
 * Whether `text` is an IPv6 address (no zone id): the WHATWG URL parser's IPv6 parser, which every browser and Node
 * share, decides (https://url.spec.whatwg.org/#concept-ipv6-parser), through `new URL('http://[…]')`. It accepts
 * what `net.isIPv6` accepts without a zone (test/unit/redact.test.ts compares the two), and needs no Node module.
 */
export function isIPv6(text: string): boolean {
  // Only hex digits, colons and dots: anything else would be read as more of the URL (a path, a port, a user).
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || !text.includes(':')) return false;
  return URL.canParse(`http://[${text}]/`);
}

/** Mask every string inside `value` (deeply: arrays and plain objects are copied, keys are kept). Never mutates. */
export function redact<T>(value: T): T {
  return redactValue(value) as T;
}

function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const copy: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) copy[key] = redactValue(inner);
    return copy;
  }
  return value;
}

const KEY_PATTERNS: RegExp[] = [
  /\bsk-(?:proj-|ant-|live-|test-)?[A-Za-z0-9_-]{20,}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})\b/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g,
  /\bAIza[0-9A-Za-z_-]{35}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
];
const AUTH_SCHEME = /\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/-]{12,}=*/gi;
const HEX = /(?<![A-Za-z0-9_-])[0-9a-fA-F]{32,}(?![A-Za-z0-9_-])/g;
const BASE64ISH = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32,}={0,2}(?![A-Za-z0-9+/_=-])/g;
const EMAIL = /(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}\b/g;
const CARD = /(?<![\d-])(?:\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?|\d{4}([ -])\d{6}\2\d{4,5}|\d{13,19})(?![\d-])/g;
const IPV4 = /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)/g;
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{0,4})(?:%[\w.]+)?(?![\w:]|\.\d)/g;
const PHONE_INTL = /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,6}(?![\w])/g;
const PHONE_NANP = /(?<![\w+(-])(?:\(\d{3}\)[ .-]?|\d{3}([ .-]))\d{3}([ .-])\d{4}(?![\w-])/g;
const PHONE_PAIRS = /(?<![\w.-])0[1-9](?:([ .-])\d{2})(?:\1\d{2}){3}(?![\w.-])/g;

/** Mask personal data and secrets in one string (see the table at the top of this file). */
export function redactText(text: string): string {
  let out = text;
  for (const pattern of KEY_PATTERNS) out = out.replace(pattern, '[KEY]');
  out = out.replace(AUTH_SCHEME, (_m, scheme: string, space: string) => `${scheme}${space}[KEY]`);
  out = out.replace(HEX, (m) => (/\d/.test(m) && /[a-fA-F]/.test(m) ? '[KEY]' : m));
  out = out.replace(BASE64ISH, (m) => (looksRandom(m) ? '[KEY]' : m));
  out = out.replace(EMAIL, '[EMAIL]');
  out = out.replace(CARD, (m) => (isCardNumber(m.replace(/[ -]/g, '')) ? '[CARD]' : m));
  // IPv6 first: it may end in a dotted IPv4 (::ffff:192.0.2.128).
  out = out.replace(IPV6, (m) => (isIPv6(m.replace(/%.*$/, '')) && /[0-9A-Fa-f]{2}/.test(m) ? '[IP]' : m));
  out = out.replace(IPV4, '[IP]');
  out = out.replace(PHONE_INTL, (m) => (digitCount(m, 8, 15) ? '[PHONE]' : m));
  out = out.replace(PHONE_NANP, '[PHONE]');
  out = out.replace(PHONE_PAIRS, '[PHONE]');
  return out;
}

/** Luhn checksum, plus the first digit of a payment card (2 Mastercard, 3 Amex/Diners/JCB, 4 Visa, 5 Mastercard, 6 Discover). */
export function isCardNumber(digits: string): boolean {
  if (!/^[2-6]\d{12,18}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function digitCount(text: string, min: number, max: number): boolean {
  const n = text.replace(/\D/g, '').length;
  return n >= min && n <= max;
}

/** A long token that is a secret rather than a word or a path: mixed case and digits, few repeats, not a path. */
function looksRandom(token: string): boolean {
  if (!/[a-z]/.test(token) || !/[A-Z]/.test(token) || !/\d/.test(token)) return false;
  if (token.startsWith('/') || token.includes('//')) return false;
  const counts = new Map<string, number>();
  for (const ch of token) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let entropy = 0;
  for (const n of counts.values()) entropy -= (n / token.length) * Math.log2(n / token.length);
  return entropy >= 4;
}
