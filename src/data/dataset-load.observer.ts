import type { DatasetSummary } from 'src/data/dataset.repository';

/**
 * Told when a dataset finishes loading, so operations code (metrics) can record it without the
 * repository depending on it. The class is the injection token; providing one is optional.
 */
export abstract class DatasetLoadObserver {
  abstract datasetLoaded(summary: DatasetSummary, seconds: number): void;
}
