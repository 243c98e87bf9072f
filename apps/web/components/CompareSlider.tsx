'use client';

import { useRef, useState } from 'react';
import { Picture, useImageSrc } from '@/components/AuthImage.tsx';

/**
 * Before/after: the uploaded photo on the left of the divider, the recovered one on the right. The range input is the
 * control (arrow keys, Home/End, screen readers); dragging or clicking on the picture moves the same value.
 */
export function CompareSlider({
  beforeUrl,
  afterUrl,
  beforeLabel,
  afterLabel,
  beforeTag = 'Uploaded',
  afterTag = 'Recovered',
}: {
  beforeUrl: string;
  afterUrl: string;
  beforeLabel: string;
  afterLabel: string;
  /** Short names on the picture and beside the slider. */
  beforeTag?: string;
  afterTag?: string;
}) {
  const [pos, setPos] = useState(50);
  const box = useRef<HTMLDivElement>(null);
  const dragging = useRef(false);
  const before = useImageSrc(beforeUrl);
  const after = useImageSrc(afterUrl);
  const fromPointer = (clientX: number) => {
    const r = box.current?.getBoundingClientRect();
    if (!r || r.width === 0) return;
    setPos(Math.round(Math.max(0, Math.min(100, ((clientX - r.left) / r.width) * 100))));
  };
  return (
    <div>
      <div
        ref={box}
        className="compare"
        data-testid="compare"
        onPointerDown={(e) => {
          dragging.current = true;
          e.currentTarget.setPointerCapture(e.pointerId);
          fromPointer(e.clientX);
        }}
        onPointerMove={(e) => dragging.current && fromPointer(e.clientX)}
        onPointerUp={() => {
          dragging.current = false;
        }}
        onPointerCancel={() => {
          dragging.current = false;
        }}
      >
        {after ? (
          <Picture src={after} alt={afterLabel} data-testid="recovered-img" />
        ) : (
          <div style={{ aspectRatio: '4 / 3' }} />
        )}
        <div className="top" style={{ clipPath: `inset(0 ${100 - pos}% 0 0)` }}>
          {before ? <Picture src={before} alt={beforeLabel} /> : null}
        </div>
        <div className="divider" style={{ left: `${pos}%` }} aria-hidden="true" />
        <span className="tag" style={{ left: '0.5rem' }}>
          {beforeTag}
        </span>
        <span className="tag" style={{ right: '0.5rem' }}>
          {afterTag}
        </span>
      </div>
      <div className="slider-row">
        <label htmlFor="compare-range" className="small">
          {beforeTag}
        </label>
        <input
          id="compare-range"
          data-testid="compare-range"
          type="range"
          min={0}
          max={100}
          step={1}
          value={pos}
          onChange={(e) => setPos(Number(e.target.value))}
          aria-label={`Before and after divider: left shows the ${beforeTag.toLowerCase()} photo, right the ${afterTag.toLowerCase()} one`}
          aria-valuetext={`${pos}% ${beforeTag.toLowerCase()} photo, ${100 - pos}% ${afterTag.toLowerCase()}`}
        />
        <span className="small">{afterTag}</span>
      </div>
    </div>
  );
}
