'use client';

import { type ImgHTMLAttributes, useEffect, useState } from 'react';
import { authHeaders, getApiKey } from '@/lib/client-api.ts';

/** The URL to put in <img src>: the API URL itself, or with an API key a blob fetched with the Authorization header. */
export function useImageSrc(url: string | null): string | undefined {
  // Kept with the URL it belongs to, so a view switch never shows the previous picture under the new name.
  const [state, setState] = useState<{ url: string; src: string } | null>(null);
  useEffect(() => {
    if (!url) return;
    const setSrc = (src: string | undefined) => setState(src ? { url, src } : null);
    if (!getApiKey()) {
      setSrc(url);
      return;
    }
    let blobUrl: string | undefined;
    let cancelled = false;
    fetch(url, { headers: authHeaders() })
      .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(String(r.status)))))
      .then((b) => {
        if (cancelled) return;
        blobUrl = URL.createObjectURL(b);
        setSrc(blobUrl);
      })
      .catch(() => setSrc(undefined));
    return () => {
      cancelled = true;
      if (blobUrl) URL.revokeObjectURL(blobUrl);
    };
  }, [url]);
  return state && state.url === url ? state.src : undefined;
}

export function AuthImage({
  url,
  alt,
  ...rest
}: { url: string; alt: string } & Omit<ImgHTMLAttributes<HTMLImageElement>, 'src' | 'alt'>) {
  const src = useImageSrc(url);
  if (!src) return <div role="img" aria-label={`${alt} (loading)`} style={{ aspectRatio: '4 / 3' }} />;
  return <Picture src={src} alt={alt} {...rest} />;
}

/** A plain <img>: the pictures are API responses (often blob URLs), which next/image cannot optimise. */
export function Picture({ alt, ...props }: ImgHTMLAttributes<HTMLImageElement> & { alt: string }) {
  // biome-ignore lint/performance/noImgElement: API images, not static assets
  return <img alt={alt} {...props} />;
}
