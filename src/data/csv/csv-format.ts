/** Date layouts a dataset's date column may use; the original service's is `DD/MM/YYYY`. */
export const DATE_FORMATS = ['DD/MM/YYYY', 'MM/DD/YYYY', 'YYYY-MM-DD'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

/** How a dataset's CSV file is laid out. Defaults match the original `country,value,fecha` export. */
export interface CsvFormat {
  readonly countryColumn: string;
  readonly valueColumn: string;
  readonly dateColumn: string;
  readonly dateFormat: DateFormat;
}

export const DEFAULT_CSV_FORMAT: CsvFormat = {
  countryColumn: 'country',
  valueColumn: 'value',
  dateColumn: 'fecha',
  dateFormat: 'DD/MM/YYYY',
};
