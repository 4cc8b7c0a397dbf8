/** The ASCII bytes the CSV readers compare raw input against. */
export const LF = 0x0a;
export const CR = 0x0d;
export const QUOTE = 0x22;
export const PLUS = 0x2b;
export const COMMA = 0x2c;
export const MINUS = 0x2d;
export const DOT = 0x2e;
export const SLASH = 0x2f;
export const UPPER_E = 0x45;
export const LOWER_E = 0x65;

/** One line end, appended where a scanner needs a readable byte after the last field. */
export const NEWLINE = Buffer.from([LF]);

/** Upper-case code of an ASCII letter, 0 for any other byte. */
export const LETTER_UPPER = new Uint8Array(256);
for (let c = 0x41; c <= 0x5a; c++) {
  LETTER_UPPER[c] = c;
  LETTER_UPPER[c + 0x20] = c;
}
