import { describe, expect, it } from 'vitest';
import { pointChange, relativeChange, sparkline } from '../../src/digest/format.ts';
import { digestReport } from '../../src/digest/render.ts';
import { createTranslator } from '../../src/i18n/index.ts';
import { renderBlocks } from '../../src/report/blocks.ts';
import { renderText } from '../../src/report/text.ts';
import { validateBlocks } from '../fakes/block-kit-rules.ts';
import { blockText } from '../helpers/block-text.ts';
import { DOWN, digestData, serviceFigures } from '../helpers/render-fixtures.ts';

const t = createTranslator('zh-CN');
const ctx = { t, timeZone: 'Asia/Shanghai' };
const _now = new Date('2026-11-25T01:00:00Z');
const down = DOWN;
const data = digestData;
const service = serviceFigures;

function expectValid(message: ReturnType<typeof renderBlocks>) {
  const verdict = validateBlocks(message.blocks);
  expect(verdict).toMatchObject({ ok: true });
}

describe('digest message within Slack limits', () => {
  it('fits with 300 services with 200-character names, moving the full text to a file', () => {
    const many = Array.from({ length: 300 }, (_, i) => service(`laojun-${'x'.repeat(200)}-${i}`));
    const message = renderBlocks(digestReport(data(many), ctx));
    expectValid(message);
    expect(message.file?.content).toContain(`laojun-${'x'.repeat(200)}-299`);
  });

  it('fits and says why with every source down and no services at all', () => {
    const empty = data([]);
    empty.services = down;
    const report = digestReport(empty, ctx);
    const message = renderBlocks(report);
    expectValid(message);
    const text = blockText(message.blocks);
    expect(text).toContain('无数据：服务、容量、资源、事件、备份、慢查询');
    expect(text).toContain(
      '⚪ 无数据：Prometheus 不可用（Prometheus unreachable at http://prom:9090: ECONNREFUSED）',
    );
    expect(text).toContain('未安装 pg_stat_statements');
    expect(text).toContain('图表未生成');
    expect(report.tone).not.toBe('ok');
  });

  it('says which setting is missing in the reader’s language, not an English error inside Chinese', () => {
    const notSet = {
      ok: false as const,
      source: 'Prometheus',
      reason: 'PROMETHEUS_URL is not set',
      notSet: 'PROMETHEUS_URL',
    };
    const empty = data([]);
    empty.services = notSet;
    const zh = blockText(renderBlocks(digestReport(empty, ctx)).blocks);
    expect(zh).toContain('⚪ 无数据：未设置 PROMETHEUS_URL，Prometheus 不可用');
    expect(zh).not.toContain('is not set');
    const en = blockText(renderBlocks(digestReport(empty, { ...ctx, t: createTranslator('en') })).blocks);
    expect(en).toContain('⚪ No data: Prometheus unavailable (PROMETHEUS_URL is not set)');
  });

  it('renders as terminal text for the CLI and console mode', () => {
    const out = renderText(digestReport(data([service('laojun-gateway')]), ctx));
    expect(out).toContain('laojun-gateway  🟢 可用性 99.95% ▲0.05pp');
    expect(out).toContain('p95 200 ms ▼20.0% · 5xx 0.10% ▼0.10pp');
  });
});

describe('digest figures', () => {
  it('draws sparklines from low to high, gaps as ·, flat lines in the middle', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([1, Number.NaN, 1])).toBe('▄·▄');
    expect(sparkline([0.75, 0.7500000000000001, 0.7499999999999999])).toBe('▄▄▄');
    expect(sparkline([])).toBe('');
  });

  it('keeps a service outage visible in the rendered sparklines: six hours missing, six gap marks', () => {
    // Down from 12:00 to 18:00 and again for the last two hours of the day.
    const trend = Array.from({ length: 24 }, (_, i) =>
      (i >= 12 && i < 18) || i >= 22 ? Number.NaN : 10 + i,
    );
    const s = { ...service('laojun-gateway'), rpsTrend: trend, p95Trend: trend };
    for (const text of [
      renderText(digestReport(data([s]), ctx)),
      blockText(renderBlocks(digestReport(data([s]), ctx)).blocks),
    ]) {
      const line = text.split('\n').find((l) => l.includes('p95 ') && /[▁▂▃▄▅▆▇█]/.test(l)) ?? '';
      const [rps = '', p95 = ''] = line.split('p95').map((part) => part.replace(/[^▁▂▃▄▅▆▇█·]/g, ''));
      expect(rps).toHaveLength(24);
      expect(p95).toHaveLength(24);
      expect(rps.slice(12, 18)).toBe('······');
      expect(p95.slice(22)).toBe('··');
    }
  });

  it('marks changes with ▲ and ▼', () => {
    expect(relativeChange(110, 100)).toBe('▲10.0%');
    expect(relativeChange(90, 100)).toBe('▼10.0%');
    expect(relativeChange(100, 100)).toBe('=');
    expect(relativeChange(100, undefined)).toBe('');
    expect(pointChange(0.95, 0.9)).toBe('▲5.00pp');
  });
});
