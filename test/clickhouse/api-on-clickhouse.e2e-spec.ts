/*
 * The API suites once more, with the default dataset served by ClickHouse: test-app imports the
 * suite's CSV into a fresh ClickHouse database and starts the service with DATA_BACKEND=clickhouse,
 * so every request, answer and error below (hostile fuzz probes included) must be the same
 * whichever backend serves it.
 */
import 'test/clickhouse/clickhouse-backed-env';
import 'test/analysis-v1.e2e-spec';
import 'test/analysis-v2.e2e-spec';
import 'test/data-analysis.e2e-spec';
import 'test/reference-dataset.e2e-spec';
import 'test/fuzz/query-fuzz.e2e-spec';
