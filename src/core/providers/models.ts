/**
 * Where a prompt goes: its `deployment` (a key of `promptLab.deployments`), or its `model`, a GitHub Models id
 * `publisher/name` (the `model` of a `.prompt.yml`), which resolves through the `promptLab.models` setting (model id →
 * deployment key) and otherwise to GitHub Models' inference endpoint (the `github` provider preset, see ./providers.ts).
 */
import { DeploymentError, resolveDeployment, type DeploymentConfig, type ResolvedDeployment, type RoutingContext } from './deployments';

/** The settings the resolution reads. */
export interface ModelSettings {
  deployments: Readonly<Record<string, DeploymentConfig>>;
  /** `promptLab.models`: model id (`openai/gpt-4o`) → deployment key. */
  models?: Readonly<Record<string, string>>;
  context?: RoutingContext;
}

/** A GitHub Models model id: `publisher/name` (https://docs.github.com/en/rest/models/inference). */
export const MODEL_ID_PATTERN = /^[A-Za-z0-9][\w.-]*\/[\w.:-]+$/;

/**
 * The deployment a prompt runs on.
 * - `deployment` set: that deployment, as {@link resolveDeployment} resolves it (a `model` is then only informational);
 * - else `model` set: the deployment `promptLab.models` maps it to, else a GitHub Models deployment whose key is the
 *   model id (provider `github`, token from `GITHUB_TOKEN` unless the front end supplies one);
 * - else: {@link resolveDeployment}'s error for a prompt that names no deployment.
 * @throws DeploymentError as {@link resolveDeployment} does; `unknown` when `promptLab.models` maps the model to a key
 *   that is not in `promptLab.deployments`; `invalid` when `model` is not `publisher/name`.
 */
export function resolvePromptDeployment(prompt: { deployment?: string; model?: string }, settings: ModelSettings): ResolvedDeployment {
  const context = settings.context ?? {};
  if (prompt.deployment || !prompt.model) return resolveDeployment(prompt.deployment, settings.deployments, context);
  const model = prompt.model;
  const mapped = settings.models && Object.prototype.hasOwnProperty.call(settings.models, model) ? settings.models[model] : undefined;
  if (mapped !== undefined) {
    if (!Object.prototype.hasOwnProperty.call(settings.deployments, mapped)) {
      const known = Object.keys(settings.deployments);
      throw new DeploymentError('unknown', `"promptLab.models" sends "${model}" to deployment "${mapped}", which is not in "promptLab.deployments"${known.length ? `; known: ${known.map((k) => `"${k}"`).join(', ')}` : ''}.`);
    }
    return resolveDeployment(mapped, settings.deployments, context);
  }
  if (!MODEL_ID_PATTERN.test(model)) {
    throw new DeploymentError('invalid', `"model" is "${model}": GitHub Models needs a model id "publisher/name", e.g. "openai/gpt-4o". Or map it to a deployment in "promptLab.models".`);
  }
  return resolveDeployment(model, { [model]: { provider: 'github', model } }, context);
}

/**
 * A deployment named by a key, as a command's `--deployment`, a picked deployment or a judge's `deployment` names it: a
 * key of `promptLab.deployments`; else a model id (`openai/gpt-4o`, it holds a `/`) that `promptLab.models` maps or
 * GitHub Models serves, as {@link resolvePromptDeployment} resolves a prompt's `model`.
 * @throws DeploymentError as {@link resolveDeployment} does for a key, as {@link resolvePromptDeployment} for a model id.
 */
export function resolveNamedDeployment(key: string, settings: ModelSettings): ResolvedDeployment {
  if (Object.prototype.hasOwnProperty.call(settings.deployments, key)) return resolveDeployment(key, settings.deployments, settings.context ?? {});
  if (key.includes('/')) return resolvePromptDeployment({ model: key }, settings);
  return resolveDeployment(key, settings.deployments, settings.context ?? {});
}
