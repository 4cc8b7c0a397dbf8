import { SingleBar } from 'cli-progress';
import { parseArgs } from 'node:util';
import { buildClickHouseConfig } from 'src/config/clickhouse.config';
import { buildDataConfig } from 'src/config/data.config';
import { ConfigValidationError } from 'src/config/validate-config';
import { ClickHouseGateway } from 'src/data/clickhouse/clickhouse.gateway';
import {
  ClickHouseImportService,
  ImportRefusedError,
  type ImportProgress,
} from 'src/data/clickhouse/clickhouse-import.service';
import { ClickHouseUnavailableError } from 'src/data/clickhouse/clickhouse-unavailable.error';
import { CsvLoadError } from 'src/data/csv/csv-load.error';

export const USAGE = 'Usage: npm run import -- --dataset <name> --file <path.csv>';

/** Where the command writes; a terminal gets a progress bar, anything else progress lines. */
export interface CommandOutput {
  readonly isTTY: boolean;
  write(text: string): void;
  error(text: string): void;
}

/** Exit codes: 0 imported or already imported, 1 refused or failed, 2 wrong usage. */
export type ExitCode = 0 | 1 | 2;

const PHASE_LABELS = { reading: 'reading and checking', inserting: 'inserting' } as const;

/** Progress lines every 10 % per phase, with rows/s and ETA, for logs and CI. */
function progressLines(output: CommandOutput): (progress: ImportProgress) => void {
  let phase: ImportProgress['phase'] | null = null;
  let started = Date.now();
  let nextPercent = 0;
  return ({ phase: current, done, total }) => {
    if (current !== phase) {
      phase = current;
      started = Date.now();
      nextPercent = 0;
    }
    const percent = total > 0 ? Math.floor((100 * done) / total) : 100;
    if (percent < nextPercent) {
      return;
    }
    nextPercent = Math.floor(percent / 10) * 10 + 10;
    const seconds = Math.max((Date.now() - started) / 1000, 1e-3);
    const rate = done / seconds;
    const eta = rate > 0 ? (total - done) / rate : 0;
    const unit = current === 'reading' ? 'bytes' : 'rows';
    output.write(
      `${PHASE_LABELS[current]}: ${percent}% (${done}/${total} ${unit}, ${Math.round(rate)} ${unit}/s, ETA ${eta.toFixed(1)} s)\n`,
    );
  };
}

/** A bar per phase on a terminal: rows (or bytes), percent, rate and ETA. */
function progressBar(): { update: (progress: ImportProgress) => void; stop: () => void } {
  let bar: SingleBar | null = null;
  let phase: ImportProgress['phase'] | null = null;
  let phaseStarted = Date.now();
  const stop = (): void => {
    bar?.stop();
    bar = null;
  };
  return {
    update: ({ phase: current, done, total }) => {
      if (current !== phase) {
        stop();
        phase = current;
        phaseStarted = Date.now();
        const unit = current === 'reading' ? 'bytes' : 'rows';
        bar = new SingleBar({
          format: `${PHASE_LABELS[current].padEnd(20)} [{bar}] {percentage}% | {value}/{total} ${unit} | {speed} ${unit}/s | ETA {eta}s`,
          hideCursor: true,
        });
        bar.start(total, 0, { speed: 0 });
      }
      const seconds = Math.max((Date.now() - phaseStarted) / 1000, 1e-3);
      bar?.update(done, { speed: Math.round(done / seconds) });
    },
    stop,
  };
}

/**
 * `npm run import -- --dataset <name> --file <path.csv>`: imports a CSV file into a ClickHouse
 * dataset with the settings of the service (DATASETS_FILE, DATA_BACKEND, CLICKHOUSE_*).
 */
export async function runImportCommand(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  output: CommandOutput,
): Promise<ExitCode> {
  let dataset: string | undefined;
  let file: string | undefined;
  try {
    ({
      values: { dataset, file },
    } = parseArgs({
      args: [...argv],
      options: { dataset: { type: 'string' }, file: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    output.error(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!dataset || !file) {
    output.error(`${!dataset ? '--dataset' : '--file'} is required.\n${USAGE}\n`);
    return 2;
  }

  let gateway: ClickHouseGateway | null = null;
  const bar = output.isTTY ? progressBar() : null;
  try {
    gateway = new ClickHouseGateway(buildClickHouseConfig(env));
    const importer = new ClickHouseImportService(gateway, buildDataConfig(env));
    importer.dataset(dataset);
    output.write(
      `Importing ${file} into dataset '${dataset}' (ClickHouse at ${gateway.location})\n`,
    );
    const outcome = await importer.importFile(
      dataset,
      file,
      bar ? bar.update : progressLines(output),
    );
    bar?.stop();
    const skipped =
      outcome.rejectedRows > 0 ? `, ${outcome.rejectedRows} defective rows skipped (lenient)` : '';
    const resumed =
      outcome.resumedTables > 0
        ? ` An earlier run had stopped part-way; ${outcome.resumedTables} table(s) already held their rows and were left as they were.`
        : '';
    output.write(
      outcome.status === 'imported'
        ? `Imported ${outcome.rows} rows into '${dataset}'${skipped} (sha256 ${outcome.sha256}).${resumed}\n`
        : `Already imported: a file with sha256 ${outcome.sha256} is in '${dataset}'; nothing added.\n`,
    );
    return 0;
  } catch (error) {
    bar?.stop();
    if (
      error instanceof CsvLoadError ||
      error instanceof ImportRefusedError ||
      error instanceof ClickHouseUnavailableError ||
      error instanceof ConfigValidationError
    ) {
      output.error(`Import refused, nothing added: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await gateway?.onModuleDestroy();
  }
}
