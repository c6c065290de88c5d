import { describe, expect, it } from 'vitest';
import { CappedText } from './capped-text';

describe('CappedText', () => {
  it('keeps the first max bytes across chunks and drops the rest', async () => {
    const sink = new CappedText(5);
    sink.write(Buffer.from('abc'));
    sink.write(Buffer.from('defgh'));
    sink.write(Buffer.from('ij'));
    await new Promise<void>((resolve) => sink.end(resolve));
    expect(sink.text).toBe('abcde');
  });
});
