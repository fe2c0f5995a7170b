import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ApiClient, type Connection } from './api-client.js';
import { loadConnection } from './cli-config.js';
import { Commands } from './commands.js';
import { deploy } from './deploy.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';
import { Output } from './output.js';

// The `shipgate` CLI: the governed release flow from a pipeline or a terminal, over the HTTP API.

const PARAM = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

/** `K=V` options collected into a map. */
function collectParam(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const match = PARAM.exec(value);
  if (!match) throw new InvalidArgumentError(`expected NAME=value, got "${value}"`);
  return { ...previous, [match[1]!]: match[2]! };
}

/** `90s`, `15m`, `1h` or plain seconds, in milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError(`expected a duration such as 90s, 15m or 1h, got "${value}"`);
  const n = Number(match[1]);
  const unit = match[2] ?? 's';
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
  if (ms <= 0) throw new InvalidArgumentError('the duration must be positive');
  return ms;
}

/** Runs the CLI with `argv` (without node and the script); resolves with the exit code. */
export async function run(argv: readonly string[]): Promise<ExitCode> {
  const json = argv.includes('--json');
  const out = new Output(json);
  const client = () => new ApiClient(loadConnection());
  const commands = new Commands(client, out);
  let code: ExitCode = EXIT.ok;
  const set = (c: ExitCode) => {
    code = c;
  };

  const program = new Command('shipgate')
    .description('Release governance from pipelines and terminals: draft, preview, approve, apply and watch releases')
    .option('--json', 'print one JSON document (progress goes to stderr)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError();

  program
    .command('login')
    .description('check a server and token, and keep them in $XDG_CONFIG_HOME/shipgate/config.json (0600)')
    .requiredOption('--url <url>', 'the Shipgate server, e.g. https://shipgate.example.com')
    .requiredOption('--token <token>', 'an API token')
    .action(async (o: Connection) => set(await commands.login({ url: o.url, token: o.token }, (c) => new ApiClient(c))));

  program
    .command('whoami')
    .description('who the token belongs to, and its roles')
    .action(async () => set(await commands.whoami()));
  program
    .command('envs')
    .description('the environments you may see')
    .action(async () => set(await commands.envs()));

  program
    .command('deploy <application>')
    .description('draft → preview → (submit, wait for approval) → apply → follow the rollout; diagnostics on failure')
    .requiredOption('-e, --env <environment>', 'the environment')
    .option('-f, --file <file>', 'the Compose file or Kubernetes manifests')
    .option('--param <name=value>', 'a parameter (repeatable)', collectParam, {})
    .option('--from-last', "start from the application's last release in the environment (new --param values on top)")
    .option('--description <text>', 'what this release is for')
    .option('--no-apply', 'stop after the preview (and the approval request)')
    .option('--wait', 'wait for the approval where one is required')
    .addOption(
      new Option('--timeout <duration>', 'give up waiting after this long (exit 4)').default(15 * 60_000, '15m').argParser(parseDuration),
    )
    .action(async (application: string, o: Record<string, unknown>) => {
      set(
        await deploy(client(), out, application, {
          environment: String(o['env']),
          file: o['file'] as string | undefined,
          params: (o['param'] as Record<string, string> | undefined) ?? {},
          fromLast: Boolean(o['fromLast']),
          description: o['description'] as string | undefined,
          apply: o['apply'] !== false,
          wait: Boolean(o['wait']),
          timeoutMs: o['timeout'] as number,
        }),
      );
    });

  const releases = program.command('releases').description('read and cancel releases');
  releases
    .command('list')
    .option('-e, --env <environment>')
    .option('-a, --app <application>')
    .option('--state <state>')
    .option('--limit <n>')
    .action(async (o: Record<string, string | undefined>) =>
      set(await commands.list({ environment: o['env'], application: o['app'], state: o['state'], limit: o['limit'] })),
    );
  releases.command('show <id>').action(async (id: string) => set(await commands.show(id)));
  releases.command('timeline <id>').action(async (id: string) => set(await commands.timeline(id)));
  releases.command('diagnose <id>').action(async (id: string) => set(await commands.diagnose(id)));
  releases.command('cancel <id>').action(async (id: string) => set(await commands.cancel(id)));

  program
    .command('preview <id>')
    .description('preview a release: the diff against what runs, and the preview token')
    .action(async (id: string) => set(await commands.preview(id)));
  for (const step of ['submit', 'apply'] as const) {
    program
      .command(`${step} <id>`)
      .description(step === 'submit' ? 'submit a previewed release for approval' : 'apply a previewed (and approved) release')
      .option('--preview-token <token>', 'the token its preview returned')
      .action(async (id: string, o: { previewToken?: string }) => set(await commands.step(step, id, o.previewToken)));
  }
  program
    .command('approvals')
    .description('what waits for approval')
    .action(async () => set(await commands.approvals()));
  for (const decision of ['approve', 'reject'] as const) {
    program
      .command(`${decision} <id>`)
      .description(`${decision} a release (by its id or its approval ticket's)`)
      .option('--comment <text>')
      .action(async (id: string, o: { comment?: string }) => set(await commands.decide(decision, id, o.comment)));
  }
  program
    .command('rollback <application>')
    .description('draft and preview a rollback to the last good release (or --to)')
    .requiredOption('-e, --env <environment>')
    .option('--to <id>', 'the release to restore')
    .action(async (application: string, o: { env: string; to?: string }) => set(await commands.rollback(application, o.env, o.to)));
  program
    .command('promote <id>')
    .description('draft the promotion of a succeeded release into another environment, images pinned to what ran')
    .requiredOption('--to <environment>')
    .option('--param <name=value>', 'a parameter for the target (repeatable)', collectParam, {})
    .action(async (id: string, o: { to: string; param: Record<string, string> }) => set(await commands.promote(id, o.to, o.param)));
  const audit = program.command('audit').description('the audit timeline');
  audit.command('verify').action(async () => set(await commands.auditVerify()));
  audit
    .command('export')
    .option('--after <seq>')
    .action(async (o: { after?: string }) => set(await commands.auditExport(o.after)));

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      if (json) out.document({ error: { code: error.code, message: error.message, exitCode: error.exitCode, problem: error.problem } });
      out.error(error.message);
      return error.exitCode;
    }
    out.error(error instanceof Error ? error.message : String(error));
    return EXIT.unreachable;
  }
}
