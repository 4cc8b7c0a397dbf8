/*
 * The live-data crash test once more, with the default dataset served by ClickHouse: uploads
 * stream into a built server that is killed with SIGKILL at random instants and restarted; every
 * acknowledged upload must be in the table exactly once, and no upload in part.
 */
import 'test/clickhouse/clickhouse-backed-env';
import 'test/live-data-crash.e2e-spec';
