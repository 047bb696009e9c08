import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { Metrics } from '../../src/observability/metrics.js';
import { repoRoot } from '../support/deploy.js';

// The alerts and the dashboard in deploy/ are queries over metric names: a renamed metric would
// leave an alert that never fires and a panel that stays empty. These tests tie them to the
// metrics the server really serves, and the deployment guide to every metric of Latchkey's own.

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

/** Every series name the server exposes: histograms also as _bucket, _count and _sum. */
async function servedSeries(): Promise<{ all: Set<string>; own: string[] }> {
  const metrics = await new Metrics().registry.getMetricsAsJSON();
  const all = new Set<string>();
  for (const metric of metrics) {
    all.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) all.add(metric.name + suffix);
  }
  const own = metrics.map((metric) => metric.name).filter((name) => !/^latchkey_(process|nodejs)_/.test(name));
  return { all, own };
}

const namesIn = (expression: string) => [...expression.matchAll(/\blatchkey_[a-z0-9_]+/g)].map((match) => match[0]);

test('every metric an example alert queries is one the server serves', async () => {
  const { all } = await servedSeries();
  const rules = (parse(read('deploy/prometheus/alerts.yaml')) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap(
    (group) => group.rules,
  );
  assert.ok(rules.length >= 5);
  for (const rule of rules) {
    for (const name of namesIn(rule.expr)) assert.ok(all.has(name), `${rule.alert} queries ${name}, which /metrics does not serve`);
    assert.ok(namesIn(rule.expr).length > 0 || rule.expr.includes('up{'), `${rule.alert} queries a Latchkey metric`);
  }
});

test('every metric a dashboard panel queries is one the server serves', async () => {
  const { all } = await servedSeries();
  const dashboard = JSON.parse(read('deploy/grafana/latchkey-dashboard.json')) as { panels: { title: string; targets: { expr: string }[] }[] };
  assert.ok(dashboard.panels.length >= 6);
  for (const panel of dashboard.panels) {
    assert.ok(panel.targets.length > 0, `${panel.title} has a query`);
    for (const target of panel.targets) {
      const names = namesIn(target.expr);
      assert.ok(names.length > 0, `${panel.title}: ${target.expr}`);
      for (const name of names) assert.ok(all.has(name), `${panel.title} queries ${name}, which /metrics does not serve`);
    }
  }
});

test('the deployment guide names and explains every metric of Latchkey’s own', async () => {
  const { own } = await servedSeries();
  const guide = read('docs/deployment.md');
  assert.ok(own.length >= 5);
  for (const name of own) assert.match(guide, new RegExp(`\\| \`${name}\` \\|`), `docs/deployment.md has no row for ${name}`);
});
