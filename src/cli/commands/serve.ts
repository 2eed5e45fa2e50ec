// `workrail` with no arguments serves MCP on stdio; `workrail --http [--port 3100] [--host 127.0.0.1]` serves
// Streamable HTTP at /mcp plus GET /health. Both run until a signal (or, on stdio, the end of stdin), then close the
// transport and the store and return 0.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { App } from '../../app/index.js';
import type { Logger } from '../../mcp/logger.js';
import { createDeferredServer, type ToolCaller } from '../../mcp/server-base.js';
import { startStdioServer } from '../../mcp/stdio.js';
import { databaseUrlProblem } from '../../store/database-url.js';
import { type CliIo, EXIT } from '../io.js';

const TTY_NOTE = `workrail: MCP server ready on stdio.
  It answers an MCP client (Claude Code, Cursor, VS Code), not a terminal. To connect one, add
  {"command": "npx", "args": ["-y", "workrail"]} to its MCP configuration (README: "Connect your agent").
  To see what an agent receives, run \`workrail demo\`. Press Ctrl+C to stop.
`;

/** What the bundled binary brings to `serve` (src/cli/server-entry.ts). */
export interface Prepared {
  /**
   * The tools/list answer computed at build time: the server then answers initialize and tools/list before loading
   * the tools and the app (mcp/server-base.ts). Without it, they load first.
   */
  readonly toolList?: readonly Tool[];
  /** Called once the tools and the app have loaded (the binary saves its code cache then: cli/load-bundle.ts). */
  readonly onToolsLoaded?: () => void;
}

/** Runs the server until it is told to stop; returns the exit code (2 for bad flags, 1 when the port is busy). */
export async function serve(argv: readonly string[], callerIo: CliIo, prepared: Prepared = {}): Promise<number> {
  const options = await parseFlags(argv, callerIo);
  if (options === null) return EXIT.usage;
  const io: CliIo =
    options.databaseUrl === undefined
      ? callerIo
      : { ...callerIo, env: { ...callerIo.env, WORKRAIL_DATABASE_URL: options.databaseUrl } };
  // Checked before serving: the store opens only with the first tool call, too late to tell the user.
  const configuredUrl = io.env.WORKRAIL_DATABASE_URL?.trim();
  const urlProblem = configuredUrl ? databaseUrlProblem(configuredUrl, 'WORKRAIL_DATABASE_URL') : null;
  if (urlProblem !== null) {
    io.stderr(`workrail: ${urlProblem}\n`);
    return EXIT.usage;
  }
  // pino is a fifth of what a stdio start would load: it comes with the tools, after the first answers.
  let logging: Promise<Logger> | undefined;
  const logger = () => {
    logging ??= import('../../mcp/logger.js').then(({ createLogger }) => createLogger(io.env));
    return logging;
  };
  let app: App | undefined;
  let loading: Promise<ToolCaller> | undefined;
  const loadCaller = () => {
    loading ??= (async () => {
      const [{ createApp }, { toolCaller }, log] = await Promise.all([
        import('../../app/create-app.js'),
        import('../../mcp/server.js'),
        logger(),
      ]);
      app = createApp({ env: io.env });
      const caller = toolCaller(app, { logger: log, jsonResponses: io.env.WORKRAIL_JSON_RESPONSES === 'true' });
      prepared.onToolsLoaded?.();
      return caller;
    })();
    return loading;
  };
  const toolList = prepared.toolList ?? (await (await import('../../mcp/server.js')).listTools());
  const newServer = () => createDeferredServer({ toolList, loadCaller });
  const stopLogging = logProcessFaults(logger);
  const signal = shutdownSignal();
  try {
    if (!options.http) {
      const stdio = await startStdioServer(newServer());
      if (process.stdin.isTTY) io.stderr(TTY_NOTE);
      await Promise.race([stdio.closed, signal.received]);
      await stdio.close();
      return EXIT.ok;
    }
    // Loaded only here: Hono and the HTTP transport would add to the start-up of every stdio server.
    const { startHttpServer } = await import('../../mcp/http.js');
    const started = await startHttpServer({
      host: options.host,
      port: options.port,
      createServer: newServer,
      logger: await logger(),
    });
    if (!started.ok) {
      io.stderr(`workrail: ${started.error.message} Choose another port with --port <n>.\n`);
      return EXIT.failed;
    }
    io.stderr(`workrail: MCP over Streamable HTTP at ${started.value.url}/mcp (health: ${started.value.url}/health)\n`);
    await signal.received;
    await started.value.close();
    return EXIT.ok;
  } finally {
    signal.dispose();
    stopLogging();
    app?.close();
  }
}

interface ServeFlags {
  readonly http: boolean;
  readonly port: number;
  readonly host: string;
  /** `--database-url`: becomes WORKRAIL_DATABASE_URL for the app. */
  readonly databaseUrl?: string;
}

const DEFAULT_FLAGS: ServeFlags = { http: false, port: 3100, host: '127.0.0.1' };

async function parseFlags(argv: readonly string[], io: CliIo): Promise<ServeFlags | null> {
  // The usual start (no arguments, stdio) does without commander: loading it costs the start-up a few ms.
  if (argv.length === 0) return DEFAULT_FLAGS;
  const { Command, CommanderError, InvalidArgumentError } = await import('commander');
  const parsePort = (value: string): number => {
    const port = Number(value);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('must be 0–65535.');
    return port;
  };
  const parseDatabaseUrl = (value: string): string => {
    const problem = databaseUrlProblem(value, '--database-url');
    if (problem !== null) throw new InvalidArgumentError(problem.replace(/^--database-url /, ''));
    return value;
  };
  const command = new Command('workrail')
    .option('--http', 'serve Streamable HTTP at /mcp instead of stdio')
    .option('--port <port>', 'HTTP port', parsePort, DEFAULT_FLAGS.port)
    .option('--host <host>', 'HTTP address (loopback by default)', DEFAULT_FLAGS.host)
    .option('--database-url <url>', 'session store on PostgreSQL (sets WORKRAIL_DATABASE_URL)', parseDatabaseUrl)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  try {
    command.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return null;
    throw error;
  }
  const flags = command.opts<{ http?: boolean; port: number; host: string; databaseUrl?: string }>();
  return {
    http: flags.http === true,
    port: flags.port,
    host: flags.host,
    ...(flags.databaseUrl === undefined ? {} : { databaseUrl: flags.databaseUrl }),
  };
}

/** Settles on SIGINT or SIGTERM; `dispose()` removes the listeners so the default signal handling returns. */
function shutdownSignal(): { readonly received: Promise<void>; dispose(): void } {
  let stop = () => {};
  const received = new Promise<void>((resolve) => {
    stop = resolve;
  });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return {
    received,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/** A fault outside any tool call is logged (once the logger has loaded); the server keeps serving the other calls. */
function logProcessFaults(logger: () => Promise<Logger>): () => void {
  const onException = (error: unknown) => void logger().then((log) => log.error({ err: error }, 'uncaught exception'));
  const onRejection = (reason: unknown) =>
    void logger().then((log) => log.error({ err: reason }, 'unhandled rejection'));
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
