/**
 * The live throughput chart: per deployment, completion tokens/s (solid, left axis) and requests in flight (dashed,
 * right axis) over the seconds since the evaluation started, from the core's `throughput` samples. Drawn by uPlot
 * (https://github.com/leeoniya/uPlot), a small canvas chart made for fast time series; colours from the theme's
 * `--vscode-charts-*` variables. Hidden until the first sample (an evaluation read from the log has none).
 */
import uPlot from 'uplot';
import type { ThroughputPointView } from '../../../src/protocol/evaluation';
import { h } from '../dom';

const THEME_COLOURS = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'];
const FALLBACK_COLOURS = ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'];
const HEIGHT = 180;

export class ThroughputChart {
  private plot: uPlot | undefined;
  private deployments: string[] = [];
  /** x (s), then per deployment tokens/s, then per deployment in flight. */
  private data: number[][] = [[]];
  private readonly host: HTMLElement;
  private readonly caption: HTMLElement;

  constructor(private readonly box: HTMLElement) {
    this.caption = h('div', { class: 'chart-caption' }, 'Completion tokens/s (solid) and requests in flight (dashed), per deployment');
    this.host = h('div', { class: 'chart-plot', 'data-testid': 'chart-plot' });
    box.replaceChildren(this.caption, this.host);
    box.hidden = true;
  }

  /** Points drawn so far (tests read it). */
  get points(): number {
    return this.data[0]?.length ?? 0;
  }

  reset(deployments: string[]): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.deployments = deployments;
    this.data = [[], ...deployments.map(() => []), ...deployments.map(() => [])];
    this.box.hidden = true;
  }

  add(points: ThroughputPointView[]): void {
    for (const p of points) {
      (this.data[0] as number[]).push(p.elapsedMs / 1000);
      this.deployments.forEach((d, i) => {
        const v = p.deployments[d];
        (this.data[1 + i] as number[]).push(v ? Math.round(v.completionTokensPerSecond * 10) / 10 : 0);
        (this.data[1 + this.deployments.length + i] as number[]).push(v ? v.inFlight : 0);
      });
    }
    if (this.points === 0) return;
    this.box.hidden = false;
    if (!this.plot) this.create();
    else this.plot.setData(this.data as uPlot.AlignedData);
  }

  resize(): void {
    this.plot?.setSize({ width: this.width(), height: HEIGHT });
  }

  private width(): number {
    return Math.max(240, this.box.clientWidth || 600);
  }

  private create(): void {
    const style = getComputedStyle(document.body);
    const colour = (i: number): string => style.getPropertyValue(THEME_COLOURS[i % THEME_COLOURS.length] as string).trim() || (FALLBACK_COLOURS[i % FALLBACK_COLOURS.length] as string);
    const axisColour = style.getPropertyValue('--vscode-descriptionForeground').trim() || '#999';
    const gridColour = style.getPropertyValue('--vscode-panel-border').trim() || 'rgba(128,128,128,0.3)';
    const axis = (scale: string, side: 0 | 1 | 2 | 3, label: string): uPlot.Axis => ({ scale, side, label, stroke: axisColour, grid: { stroke: gridColour, width: 1 }, ticks: { stroke: gridColour, width: 1 } });
    const series: uPlot.Series[] = [{ label: 's' }];
    this.deployments.forEach((d, i) => series.push({ label: `${d} tokens/s`, scale: 'tps', stroke: colour(i), width: 2, points: { show: false } }));
    this.deployments.forEach((d, i) => series.push({ label: `${d} in flight`, scale: 'n', stroke: colour(i), width: 1, dash: [4, 4], points: { show: false } }));
    this.plot = new uPlot({
      width: this.width(),
      height: HEIGHT,
      scales: { x: { time: false }, tps: { auto: true }, n: { auto: true } },
      axes: [axis('x', 2, 'seconds'), axis('tps', 3, 'tokens/s'), { ...axis('n', 1, 'in flight'), grid: { show: false } }],
      series,
      legend: { show: true, live: false },
      cursor: { show: false },
    }, this.data as uPlot.AlignedData, this.host);
  }
}
