/**
 * The Grafana dashboard and the Prometheus alerts of charts/autolabs ask for metrics the processes export:
 * every series an expression names exists (a histogram's _bucket/_sum/_count included), with the labels it
 * is matched or grouped by, and the alerts issue 11 asks for are there. A renamed metric or a typo would
 * otherwise leave a panel empty and an alert silent, which nobody notices until the outage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { metricsRegistry } from '@autolabs/common/ops/metrics';
import '@autolabs/server/ops/lab-metrics';
import '@autolabs/server/ops/queue-metrics';
import '@autolabs/gateway/hub/terminal-metrics';

const CHART = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../charts/autolabs');

interface Rule {
  alert: string;
  expr: string;
  labels?: { severity?: string };
  annotations?: { summary?: string; description?: string };
}
const rules: Rule[] = (parse(fs.readFileSync(path.join(CHART, 'alerts/autolabs-rules.yaml'), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
}
const dashboard = JSON.parse(fs.readFileSync(path.join(CHART, 'dashboards/autolabs.json'), 'utf8')) as { uid: string; panels: Panel[] };

/** Exported series names with the labels each may carry. */
async function exported(): Promise<Map<string, Set<string>>> {
  const series = new Map<string, Set<string>>();
  for (const m of await metricsRegistry.getMetricsAsJSON()) {
    // prom-client keeps a metric's declared label names on it, though its types do not show them.
    const labels = new Set((metricsRegistry.getSingleMetric(m.name) as unknown as { labelNames: string[] }).labelNames);
    for (const v of m.values) for (const k of Object.keys(v.labels)) labels.add(k);
    if (String(m.type) === 'histogram') {
      series.set(`${m.name}_bucket`, new Set([...labels, 'le']));
      series.set(`${m.name}_sum`, labels);
      series.set(`${m.name}_count`, labels);
    } else {
      series.set(m.name, labels);
    }
  }
  return series;
}

/** Each `autolabs_*` series an expression names, with the labels it matches on (`{...}`) and groups by. */
function uses(expr: string): { name: string; labels: string[] }[] {
  const grouped = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) => m[1].split(',').map((l) => l.trim()).filter(Boolean));
  return [...expr.matchAll(/\b(autolabs_[a-z0-9_]+)(?:\{([^}]*)\})?/g)].map((m) => ({
    name: m[1],
    labels: [...(m[2] ?? '').matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]).concat(grouped),
  }));
}

describe('charts/autolabs monitoring', () => {
  const expressions = [
    ...rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
    ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr }))),
  ];

  it('every series the dashboard and the alerts query is exported, with the labels they use', async () => {
    const series = await exported();
    const problems: string[] = [];
    for (const { where, expr } of expressions) {
      const named = uses(expr);
      if (named.length === 0) problems.push(`${where}: names no autolabs_ metric`);
      for (const { name, labels } of named) {
        const known = series.get(name);
        if (!known) problems.push(`${where}: ${name} is not exported`);
        // A `by (le)` or `by (queue, le)` may name labels of another series in the same expression.
        else for (const l of labels) if (!known.has(l) && !named.some((n) => series.get(n.name)?.has(l))) problems.push(`${where}: ${name} has no label ${l}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('alerts on a stuck class start, a growing queue and failing archives, each with a severity and words for the person paged', () => {
    expect(rules.map((r) => r.alert)).toEqual(expect.arrayContaining(['AutoLabsClassStartStuck', 'AutoLabsQueueGrowing', 'AutoLabsArchiveFailing']));
    for (const r of rules) {
      expect(['warning', 'critical'], r.alert).toContain(r.labels?.severity);
      expect(r.annotations?.summary, r.alert).toBeTruthy();
      expect(r.annotations?.description, r.alert).toBeTruthy();
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it('the dashboard has panels for starts, phases, the queue, archives, checks and terminals, on a chosen Prometheus', () => {
    const queried = new Set(expressions.filter((e) => e.where.startsWith('panel')).flatMap((e) => uses(e.expr).map((u) => u.name.replace(/_(bucket|sum|count)$/, ''))));
    for (const name of [
      'autolabs_lab_start_duration_seconds',
      'autolabs_lab_start_failures_total',
      'autolabs_lab_instances',
      'autolabs_queue_depth',
      'autolabs_queue_jobs_total',
      'autolabs_archive_duration_seconds',
      'autolabs_archive_bytes_total',
      'autolabs_lab_check_runs_total',
      'autolabs_gateway_sessions',
      'autolabs_gateway_clients',
      'autolabs_gateway_bytes_total',
      'autolabs_gateway_attach_duration_seconds',
    ]) {
      expect(queried, name).toContain(name);
    }
    expect(dashboard.uid).toBe('autolabs-overview');
    expect(JSON.stringify(dashboard)).not.toMatch(/"uid":\s*"(?!\$\{datasource\}|autolabs-overview)/);
  });
});
