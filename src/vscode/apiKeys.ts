/**
 * API keys: in VS Code's SecretStorage (one secret per deployment key), or in an environment variable a
 * deployment names in `apiKeyEnv`. Nothing here logs a key or passes it anywhere but to the caller.
 */
import type * as vscode from 'vscode';
import type { ResolvedDeployment } from '../core/deployments';

const SECRET_PREFIX = 'promptLab.apiKey.';

export class ApiKeyStore {
  constructor(private readonly secrets: vscode.SecretStorage, private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** The key for `deployment`: SecretStorage first, then `apiKeyEnv`; undefined when neither has one. */
  async get(deployment: Pick<ResolvedDeployment, 'key' | 'apiKeyEnv'>): Promise<string | undefined> {
    const stored = await this.secrets.get(SECRET_PREFIX + deployment.key);
    if (stored) return stored;
    const fromEnv = deployment.apiKeyEnv ? this.env[deployment.apiKeyEnv] : undefined;
    return fromEnv || undefined;
  }

  /** Store `key` for the deployment named `deploymentKey`. */
  async set(deploymentKey: string, key: string): Promise<void> {
    await this.secrets.store(SECRET_PREFIX + deploymentKey, key);
  }

  /** Forget the stored key of `deploymentKey`. */
  async delete(deploymentKey: string): Promise<void> {
    await this.secrets.delete(SECRET_PREFIX + deploymentKey);
  }
}
