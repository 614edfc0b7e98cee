/**
 * CLI for the replay server: `node out/test/replay/cli.js [--port 18931] [--fixtures DIR] [--delay-ms M] [--simulated JSON]`
 * (`--simulated` takes the simulated inference server's parameters as JSON, e.g. `{"speedup":20}`; see ./simulated.ts).
 *
 * Starts {@link startReplayServer} on 127.0.0.1 (default port {@link DEFAULT_CLI_PORT}), prints one
 * line with the base URL and then the replay model names (one per line), and stops cleanly on
 * SIGINT/SIGTERM. It replays recorded responses from `test/fixtures/wire` and never uses the network.
 */
import { DEFAULT_CLI_PORT, defaultFixturesDir, listReplayModels, SYNTHETIC_MODELS, startReplayServer } from './server';
import type { SimulatedParams } from './simulated';

interface CliArgs {
  port: number;
  fixturesDir?: string;
  eventDelayMs?: number;
  simulated?: Partial<SimulatedParams>;
}

/** Parses `--port N`, `--port=N`, `--fixtures DIR`, `--delay-ms M`; throws on anything else. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const out: CliArgs = { port: DEFAULT_CLI_PORT };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const takeValue = (): string => {
      if (eq !== -1) return arg.slice(eq + 1);
      const v = argv[i + 1];
      if (v === undefined) throw new Error(`${name} needs a value`);
      i++;
      return v;
    };
    if (name === '--port') {
      const port = Number(takeValue());
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0…65535');
      out.port = port;
    } else if (name === '--fixtures') {
      out.fixturesDir = takeValue();
    } else if (name === '--delay-ms') {
      const d = Number(takeValue());
      if (!Number.isFinite(d) || d < 0) throw new Error('--delay-ms must be a number ≥ 0');
      out.eventDelayMs = d;
    } else if (name === '--simulated') {
      const value: unknown = JSON.parse(takeValue());
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('--simulated must be a JSON object of parameters');
      out.simulated = value as Partial<SimulatedParams>;
    } else if (name === '--help' || name === '-h') {
      throw new Error('usage: node out/test/replay/cli.js [--port 18931] [--fixtures DIR] [--delay-ms M] [--simulated JSON]');
    } else {
      throw new Error(`unknown argument: ${arg}`);
    }
  }
  return out;
}

async function main(): Promise<void> {
  let args: CliArgs;
  try {
    args = parseCliArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
    return;
  }
  const server = await startReplayServer({
    port: args.port,
    host: '127.0.0.1',
    ...(args.fixturesDir !== undefined ? { fixturesDir: args.fixturesDir } : {}),
    ...(args.eventDelayMs !== undefined ? { eventDelayMs: args.eventDelayMs } : {}),
    ...(args.simulated !== undefined ? { simulated: args.simulated, noRecord: true } : {}),
  });
  const models = listReplayModels(args.fixturesDir ?? defaultFixturesDir());
  process.stdout.write(
    `Prompt Lab replay server: ${server.baseURL} — replays recorded responses, no network\n`,
  );
  for (const id of models) {
    const hint = (SYNTHETIC_MODELS as readonly string[]).includes(id)
      ? id === 'synthetic/slow'
        ? '?chunks=N&delayMs=M'
        : '?chunks=N'
      : '';
    process.stdout.write(`  ${id}${hint}\n`);
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping replay server\n`);
    void server.close().then(() => {
      process.exitCode = 0;
    });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`replay server failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
