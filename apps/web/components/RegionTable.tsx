import type { FaceReport } from '@unwarp/pipeline/report';
import { HEATMAP_RANGE_PX, px, REGION_LABELS, type Region } from '@/lib/labels.ts';

/** Mean and max |W| per face region, with the max as a bar on the heatmap's scale. Shared by analyses and comparisons. */
export function RegionTable({ regions, caption }: { regions: FaceReport['regions']; caption: string }) {
  const rows = Object.entries(REGION_LABELS).filter(([r]) => regions[r as Region]) as [Region, string][];
  // Bars on a fixed scale (the heatmap's saturation point), so sub-pixel differences do not look dramatic.
  const top = Math.max(HEATMAP_RANGE_PX.max, ...rows.map(([r]) => regions[r]!.max));
  return (
    <table>
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Region</th>
          <th scope="col" className="num">
            Mean
          </th>
          <th scope="col" className="num">
            Max
          </th>
          <th scope="col" style={{ width: '35%' }} className="small muted">
            <span aria-hidden="true">0 – {top} px</span>
            <span className="sr-only">Max, as a bar</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([r, label]) => (
          <tr key={r}>
            <th scope="row" style={{ fontWeight: 400 }}>
              {label}
            </th>
            <td className="num">{px(regions[r]!.mean)}</td>
            <td className="num">{px(regions[r]!.max)}</td>
            <td>
              <div className="bar-track">
                <div className="bar" style={{ width: `${(regions[r]!.max / top) * 100}%` }} />
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
