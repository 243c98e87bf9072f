import { pct } from '@/lib/labels.ts';

/** A probability as a bar with the decision threshold marked; assistive tech gets a native <meter>. */
export function Gauge({ probability, threshold, label }: { probability: number; threshold: number; label: string }) {
  return (
    <div className="gauge">
      <div className="gauge-row">
        <span>{label}</span>
        <span className="gauge-value">{pct(probability, threshold)}</span>
      </div>
      <meter
        className="sr-only"
        min={0}
        max={1}
        value={probability}
        aria-label={label}
        aria-valuetext={`${pct(probability, threshold)}, decision threshold ${pct(threshold)}`}
      />
      <div className="gauge-track" aria-hidden="true">
        <div className="gauge-fill" style={{ width: `${probability * 100}%` }} />
        <div
          className="gauge-threshold"
          style={{ left: `${threshold * 100}%` }}
          title={`Decision threshold ${pct(threshold)}`}
        />
      </div>
      <div className="gauge-scale" aria-hidden="true">
        <span>0%</span>
        <span style={{ marginLeft: `${threshold * 100 - 12}%` }}>threshold {pct(threshold)}</span>
        <span>100%</span>
      </div>
    </div>
  );
}
