import { run } from './program.js';

// The `shipgate` command: runs the CLI and exits with its code (see exit-codes.ts).
run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(5);
  },
);
