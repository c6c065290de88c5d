/**
 * What `npm run bench` reports: a table for people (one column per terminal path) and, with
 * `--json FILE`, the issue-9 keys as nested numbers so a script can compare runs.
 */
import { writeFileSync } from 'node:fs';

export interface JsonNumbers {
  [key: string]: number | JsonNumbers;
}

export class BenchResults {
  private readonly rows: string[][] = [];
  private readonly json: JsonNumbers = {};

  constructor(
    private readonly header: string[],
    private readonly log: (line: string) => void,
  ) {}

  /** A table row, logged as soon as it is measured so a slow later phase does not hide it. */
  row(cells: string[]): void {
    this.rows.push(cells);
    this.log(`  ${cells.join(' | ')}`);
  }

  /** Sets a dotted key (`echo_ms.gateway.p99`); non-finite values are refused (the JSON is numbers only). */
  set(key: string, value: number): void {
    if (!Number.isFinite(value)) throw new Error(`bench result ${key} is not a number: ${value}`);
    const parts = key.split('.');
    let node = this.json;
    for (const p of parts.slice(0, -1)) {
      const next = node[p];
      if (typeof next === 'number') throw new Error(`bench result ${key}: ${p} is already a number`);
      node = next ?? (node[p] = {});
    }
    node[parts[parts.length - 1]] = Math.round(value * 1000) / 1000;
  }

  table(): string {
    const all = [this.header, ...this.rows];
    const widths = this.header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
    const line = (r: string[]) => `| ${widths.map((w, i) => (r[i] ?? '').padEnd(w)).join(' | ')} |`;
    return [line(this.header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...this.rows.map(line)].join('\n');
  }

  writeJson(file: string): void {
    writeFileSync(file, `${JSON.stringify(this.json, null, 2)}\n`);
  }
}
