/** One presentation-format field as the zone lexer produced it (escapes still raw). */
export interface TextToken {
  readonly text: string;
  readonly quoted: boolean;
  readonly line: number;
  readonly col: number;
}
