import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ScrapeSource } from './scrape-source';

/** A registry with one labelled gauge fed by `source`, as lab-metrics.ts feeds autolabs_lab_instances. */
function gaugeOn(source: ScrapeSource<number>): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'fed',
    help: 'fed by a scrape source',
    labelNames: ['phase'],
    registers: [registry],
    async collect() {
      this.reset();
      const value = await source.read();
      if (value !== null) this.set({ phase: 'running' }, value);
    },
  });
  return registry;
}

describe('ScrapeSource', () => {
  it('reads the latest registered reader, and the one before it once that is disposed', async () => {
    const source = new ScrapeSource<number>();
    expect(await source.read()).toBeNull();
    const first = source.register(async () => 1);
    const second = source.register(async () => 2);
    expect(await source.read()).toBe(2);
    second.dispose();
    expect(await source.read()).toBe(1);
    first.dispose();
    expect(await source.read()).toBeNull();
  });

  it('a reader that throws or never answers leaves its gauge out of the scrape, and the scrape still succeeds', async () => {
    const source = new ScrapeSource<number>(50);
    const registry = gaugeOn(source);
    const failing = source.register(async () => {
      throw new Error('database down');
    });
    const text = await registry.metrics();
    expect(text).toContain('# TYPE fed gauge');
    expect(text).not.toMatch(/^fed\{/m);
    failing.dispose();
    source.register(() => new Promise<number>(() => undefined));
    expect(await registry.metrics()).not.toMatch(/^fed\{/m);
  });

  it('a reader that answers sets its gauge at each scrape', async () => {
    const source = new ScrapeSource<number>();
    const registry = gaugeOn(source);
    let rows = 3;
    source.register(async () => rows);
    expect(await registry.metrics()).toMatch(/^fed\{phase="running"\} 3$/m);
    rows = 5;
    expect(await registry.metrics()).toMatch(/^fed\{phase="running"\} 5$/m);
  });
});
