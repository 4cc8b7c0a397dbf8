import { Logger } from '@nestjs/common';
import { runImportCommand } from 'src/cli/import-command';

// The command prints its own progress and outcome; framework log lines would interleave.
Logger.overrideLogger(['error']);

runImportCommand(process.argv.slice(2), process.env, {
  isTTY: Boolean(process.stdout.isTTY),
  write: (text) => process.stdout.write(text),
  error: (text) => process.stderr.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `Import failed: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
