/**
 * API keys: in VS Code's SecretStorage (one secret per deployment key), or in an environment variable a
 * deployment names in `apiKeyEnv`. A stored key is bound to the origin (scheme, host, port) it was first used
 * with: when a deployment's URL moves to another host, the key is not sent there until the person confirms.
 * Nothing here logs a key or passes it anywhere but to the caller.
 */
import type * as vscode from 'vscode';
import type { ResolvedDeployment } from '../core/providers/deployments';
import type { SecretScrubber } from '../core/log/secrets';

const SECRET_PREFIX = 'promptLab.apiKey.';

/** A key and where it came from. `origin` is the origin a stored key is bound to (null: not bound yet). */
export interface FoundKey {
  key: string;
  /** Where it came from: secret storage, `apiKeyEnv`, or VS Code's `github` sign-in (the `github` preset). */
  source: 'secret' | 'env' | 'github';
  origin: string | null;
}

interface StoredKey {
  key: string;
  origin: string | null;
}

function parseStored(raw: string): StoredKey {
  try {
    const value = JSON.parse(raw) as Partial<StoredKey>;
    if (value && typeof value.key === 'string') return { key: value.key, origin: typeof value.origin === 'string' ? value.origin : null };
  } catch {
    // a key stored as plain text (before origins were kept): not bound yet
  }
  return { key: raw, origin: null };
}

/** The origin ("https://host:port") of a URL, or null when it is not one. */
export function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

export class ApiKeyStore {
  /** Every key it finds or stores is added to `scrubber`, which masks keys in the output channel. */
  constructor(private readonly secrets: vscode.SecretStorage, private readonly scrubber?: SecretScrubber, private readonly env: Readonly<Record<string, string | undefined>> = {}) {}

  /** The key for `deployment`: SecretStorage first, then `apiKeyEnv`; undefined when neither has one. */
  async find(deployment: Pick<ResolvedDeployment, 'key' | 'apiKeyEnv'>): Promise<FoundKey | undefined> {
    const raw = await this.secrets.get(SECRET_PREFIX + deployment.key);
    if (raw) {
      const stored = parseStored(raw);
      this.scrubber?.add(stored.key);
      return { ...stored, source: 'secret' };
    }
    const fromEnv = deployment.apiKeyEnv ? this.env[deployment.apiKeyEnv] : undefined;
    this.scrubber?.add(fromEnv);
    return fromEnv ? { key: fromEnv, source: 'env', origin: null } : undefined;
  }

  /** Store `key` for the deployment named `deploymentKey`, bound to `origin` (null: bound at its first use). */
  async set(deploymentKey: string, key: string, origin: string | null): Promise<void> {
    this.scrubber?.add(key);
    await this.secrets.store(SECRET_PREFIX + deploymentKey, JSON.stringify({ key, origin } satisfies StoredKey));
  }

  /** Bind the stored key of `deploymentKey` to `origin` (after the person agreed to send it there). */
  async bind(deploymentKey: string, origin: string): Promise<void> {
    const raw = await this.secrets.get(SECRET_PREFIX + deploymentKey);
    if (raw) await this.set(deploymentKey, parseStored(raw).key, origin);
  }

  /** A secret obtained elsewhere (an Entra ID token), to be masked in the output channel like the keys. */
  remember(secret: string): void {
    this.scrubber?.add(secret);
  }

  /** Forget the stored key of `deploymentKey`. */
  async delete(deploymentKey: string): Promise<void> {
    await this.secrets.delete(SECRET_PREFIX + deploymentKey);
  }
}
