/**
 * Keeps the secrets a run used (API keys, bearer tokens) out of everything that is written: the run log, error
 * messages, the output channel. Servers echo keys back: OpenAI's 401 body says "Incorrect API key provided:
 * sk-fake-key." for a short key and shows a longer one as its first characters, a row of `*` and its last four
 * (test/fixtures/wire/openai/error-401-invalid-api-key.json; https://platform.openai.com/docs/guides/error-codes);
 * some proxies echo any header. This runs whether or not `promptLab.log.redactPII` is on, and knows the actual
 * secrets, so it also catches keys no pattern would recognise.
 *
 * What is masked, for each secret (as {@link SECRET_MASK}):
 * - the secret itself, wherever it appears;
 * - for a secret of {@link MIN_VARIANT_LENGTH} or more characters, any run of at least {@link MIN_RUN} of its
 *   characters that starts it or ends it (a truncated key, or its tail);
 * - first, a masked form that shows its start or its last four: up to 16 characters, then a row of `*`, `•`, `…` or `x`,
 *   then the last four characters (`sk-proj-****…abcd`, `…abcd`).
 */

/** What replaces a secret. */
export const SECRET_MASK = '[KEY]';
/** Secrets shorter than this are not looked for (a 3-letter "key" would mask ordinary words). */
export const MIN_SECRET_LENGTH = 6;
/** Secrets this long also get their prefixes, suffixes and masked forms masked. */
export const MIN_VARIANT_LENGTH = 12;
/** The shortest prefix or suffix run of a secret that is masked. */
export const MIN_RUN = 10;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Masks every run of `text` that matches `secret` from its first character for at least `MIN_RUN` characters. */
function maskPrefixRuns(text: string, secret: string): string {
  const head = secret.slice(0, MIN_RUN);
  let at = text.indexOf(head);
  if (at === -1) return text;
  let out = '';
  let from = 0;
  while (at !== -1) {
    let length = MIN_RUN;
    while (length < secret.length && text[at + length] === secret[length]) length++;
    out += text.slice(from, at) + SECRET_MASK;
    from = at + length;
    at = text.indexOf(head, from);
  }
  return out + text.slice(from);
}

/** Masks every run of `text` that matches `secret` up to its last character for at least `MIN_RUN` characters. */
function maskSuffixRuns(text: string, secret: string): string {
  const tail = secret.slice(-MIN_RUN);
  let at = text.indexOf(tail);
  if (at === -1) return text;
  let out = '';
  let from = 0;
  while (at !== -1) {
    // Extend backwards while the text goes on matching the secret, but not into what is already written out.
    let start = at;
    let i = secret.length - MIN_RUN - 1;
    while (i >= 0 && start > from && text[start - 1] === secret[i]) {
      start--;
      i--;
    }
    out += text.slice(from, start) + SECRET_MASK;
    from = at + MIN_RUN;
    at = text.indexOf(tail, from);
  }
  return out + text.slice(from);
}

/**
 * The secrets of one run or one session, and the masking of them. Adding a secret twice is harmless; the scrubber
 * holds them in memory only.
 */
export class SecretScrubber {
  private readonly secrets = new Set<string>();
  private masked: RegExp | undefined;

  /** Starts with `secrets` (undefined and short ones are skipped). */
  constructor(secrets: Iterable<string | undefined> = []) {
    for (const s of secrets) this.add(s);
  }

  /** Adds a secret to look for. Ignores undefined, empty and too-short strings. */
  add(secret: string | undefined): void {
    if (typeof secret !== 'string') return;
    const trimmed = secret.trim();
    if (trimmed.length < MIN_SECRET_LENGTH || this.secrets.has(trimmed)) return;
    this.secrets.add(trimmed);
    this.masked = undefined;
  }

  /** True when there is nothing to look for. */
  get empty(): boolean {
    return this.secrets.size === 0;
  }

  /** `text` with every secret and its variants replaced by {@link SECRET_MASK}. */
  scrub(text: string): string {
    if (this.secrets.size === 0 || text.length === 0) return text;
    let out = text;
    // Longest first, so a secret that contains another is masked whole.
    const secrets = [...this.secrets].sort((a, b) => b.length - a.length);
    for (const secret of secrets) out = out.split(secret).join(SECRET_MASK);
    this.masked ??= this.maskedForms(secrets);
    if (this.masked) out = out.replace(this.masked, SECRET_MASK);
    for (const secret of secrets) {
      if (secret.length < MIN_VARIANT_LENGTH) continue;
      out = maskSuffixRuns(maskPrefixRuns(out, secret), secret);
    }
    return out;
  }

  /** A copy of `value` (JSON-like data) with {@link scrub} applied to every string, keys included. */
  scrubValue<T>(value: T): T {
    if (this.secrets.size === 0) return value;
    const visit = (v: unknown): unknown => {
      if (typeof v === 'string') return this.scrub(v);
      if (Array.isArray(v)) return v.map(visit);
      if (v && typeof v === 'object') {
        const out: Record<string, unknown> = {};
        for (const [k, item] of Object.entries(v)) out[this.scrub(k)] = visit(item);
        return out;
      }
      return v;
    };
    return visit(value) as T;
  }

  /** One pattern for every long secret's masked forms: an optional start, a row of mask characters, its last four. */
  private maskedForms(secrets: readonly string[]): RegExp | undefined {
    const tails = secrets.filter((s) => s.length >= MIN_VARIANT_LENGTH).map((s) => escapeRegExp(s.slice(-4)));
    if (tails.length === 0) return undefined;
    return new RegExp(`[\\w-]{0,16}(?:[*\u2022]{3,}|\u2026+|x{6,}|\\.{3,})(?:${tails.join('|')})(?![\\w-])`, 'g');
  }
}
