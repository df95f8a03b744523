import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import type { ThroughputPoint } from '../api/types';
import { formatMinute } from '../lib/format';
import { lastHourBuckets } from '../lib/throughput-buckets';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

/** Completed and failed tasks per minute over the last hour, as stacked bars. */
export function ThroughputChart({ points }: { points: ThroughputPoint[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<'bar'> | null>(null);
  const buckets = lastHourBuckets(points);
  const completed = buckets.reduce((sum, point) => sum + point.completed, 0);
  const failed = buckets.reduce((sum, point) => sum + point.failed, 0);
  const summary = `Last hour: ${completed} completed, ${failed} failed`;

  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: true, ticks: { maxTicksLimit: 7, maxRotation: 0 } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        },
        plugins: { legend: { position: 'bottom' } },
      },
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const current = chart.current;
    if (!current) return;
    current.data.labels = buckets.map((point) => formatMinute(point.minute));
    current.data.datasets = [
      {
        label: 'Completed',
        data: buckets.map((point) => point.completed),
        backgroundColor: '#2f9e6a',
      },
      { label: 'Failed', data: buckets.map((point) => point.failed), backgroundColor: '#d9534f' },
    ];
    current.update();
  }, [points]);

  return (
    <figure class="throughput">
      <figcaption>
        <span class="figure-title">Throughput per minute</span>{' '}
        <span class="muted" data-throughput-summary>
          {summary}
        </span>
      </figcaption>
      <div class="chart-box">
        <canvas ref={canvas} role="img" aria-label={`Throughput chart. ${summary}`} />
      </div>
    </figure>
  );
}
