import { ClickHouseUnavailableError } from 'src/data/clickhouse/clickhouse-unavailable.error';
import type { ClickHouseGateway } from 'src/data/clickhouse/clickhouse.gateway';

/**
 * Makes statements of `gateway` matching `pattern` fail as if ClickHouse had gone away: the first
 * one only, or (`dies`) that one and every later one, as when the process is killed there.
 * `jest.restoreAllMocks()` undoes it.
 */
export function failAt(
  gateway: ClickHouseGateway,
  pattern: RegExp,
  dies = false,
): { fired: () => boolean } {
  const command = gateway.command.bind(gateway);
  const insert = gateway.insertTabSeparated.bind(gateway);
  let fired = false;
  const fails = (statement: string): boolean => {
    if ((fired && dies) || (!fired && pattern.test(statement))) {
      fired = true;
      return true;
    }
    return false;
  };
  jest.spyOn(gateway, 'command').mockImplementation(async (query: string) => {
    if (fails(query)) {
      throw new ClickHouseUnavailableError('injected failure');
    }
    return command(query);
  });
  jest.spyOn(gateway, 'insertTabSeparated').mockImplementation(async (table, columns, rows) => {
    if (fails(`INSERT INTO ${table}`)) {
      throw new ClickHouseUnavailableError('injected failure');
    }
    return insert(table, columns, rows);
  });
  return { fired: () => fired };
}
