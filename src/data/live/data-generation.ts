import { Injectable } from '@nestjs/common';

/**
 * Counts the versions installed since start-up, across datasets, so whatever holds answers
 * computed from the data (the response cache) can tell that they may be stale.
 */
@Injectable()
export class DataGeneration {
  private value = 0;

  get current(): number {
    return this.value;
  }

  advance(): void {
    this.value++;
  }
}
