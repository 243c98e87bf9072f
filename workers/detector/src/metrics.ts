import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Prometheus text exposition, by hand: a few counters, one histogram family and gauges read at scrape time. */
export class Metrics {
  private readonly counters = new Map<string, number>();
  private readonly hist = new Map<string, { buckets: number[]; sum: number; count: number }>();
  static readonly BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

  inc(name: string, labels: Record<string, string> = {}, by = 1) {
    const k = key(name, labels);
    this.counters.set(k, (this.counters.get(k) ?? 0) + by);
  }

  observe(name: string, labels: Record<string, string>, seconds: number) {
    const k = key(name, labels);
    let h = this.hist.get(k);
    if (!h) {
      h = { buckets: Metrics.BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.hist.set(k, h);
    }
    Metrics.BUCKETS.forEach((b, i) => {
      if (seconds <= b) h.buckets[i]!++;
    });
    h.sum += seconds;
    h.count++;
  }

  get(name: string, labels: Record<string, string> = {}) {
    return this.counters.get(key(name, labels)) ?? 0;
  }

  render(
    gauges: { name: string; help: string; values: { labels: Record<string, string>; value: number }[] }[],
  ): string {
    const out: string[] = [];
    const help: Record<string, string> = {
      unwarp_jobs_completed_total: 'Analyze jobs completed by this worker',
      unwarp_jobs_failed_total: 'Analyze job attempts that failed, by whether a retry follows',
      unwarp_jobs_reused_total: 'Jobs answered from a result already in storage',
      unwarp_batches_completed_total: 'Batch parent jobs completed',
      unwarp_stage_duration_seconds: 'Time spent in each analysis stage',
    };
    const byName = new Map<string, string[]>();
    for (const [k, v] of this.counters) {
      const name = k.split('{')[0]!;
      byName.set(name, [...(byName.get(name) ?? []), `${k} ${v}`]);
    }
    for (const name of [
      'unwarp_jobs_completed_total',
      'unwarp_jobs_failed_total',
      'unwarp_jobs_reused_total',
      'unwarp_batches_completed_total',
    ]) {
      out.push(`# HELP ${name} ${help[name]}`, `# TYPE ${name} counter`, ...(byName.get(name) ?? [`${name} 0`]));
    }
    out.push(
      `# HELP unwarp_stage_duration_seconds ${help.unwarp_stage_duration_seconds}`,
      '# TYPE unwarp_stage_duration_seconds histogram',
    );
    for (const [k, h] of this.hist) {
      const [name, rest] = splitKey(k);
      for (const [i, b] of Metrics.BUCKETS.entries())
        out.push(`${name}_bucket{${join(rest, `le="${b}"`)}} ${h.buckets[i]}`);
      out.push(
        `${name}_bucket{${join(rest, 'le="+Inf"')}} ${h.count}`,
        `${name}_sum${rest ? `{${rest}}` : ''} ${h.sum.toFixed(4)}`,
        `${name}_count${rest ? `{${rest}}` : ''} ${h.count}`,
      );
    }
    for (const g of gauges) {
      out.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`);
      for (const v of g.values) out.push(`${key(g.name, v.labels)} ${v.value}`);
    }
    return `${out.join('\n')}\n`;
  }
}

const esc = (v: string) => v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
function key(name: string, labels: Record<string, string>) {
  const l = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(',');
  return l ? `${name}{${l}}` : name;
}
function splitKey(k: string): [string, string] {
  const i = k.indexOf('{');
  return i < 0 ? [k, ''] : [k.slice(0, i), k.slice(i + 1, -1)];
}
const join = (a: string, b: string) => (a ? `${a},${b}` : b);

export async function serveHttp(
  port: number,
  handlers: { health: () => Promise<{ ok: boolean; detail: Record<string, unknown> }>; metrics: () => Promise<string> },
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const url = req.url?.split('?')[0];
    const run = async () => {
      if (url === '/healthz') {
        const h = await handlers.health();
        res
          .writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ok: h.ok, ...h.detail }));
      } else if (url === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(await handlers.metrics());
      } else res.writeHead(404).end('not found\n');
    };
    run().catch((err: Error) => res.writeHead(500).end(`${err.message}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
