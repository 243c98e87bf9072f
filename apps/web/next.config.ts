import type { NextConfig } from 'next';

// The web app queues jobs and reads results; it never runs the model. The internal packages ship TypeScript source
// (transpiled here). @unwarp/jobs takes only the pipeline's zod report schema and the pages import pipeline types
// only, so tfjs and the face detector are never bundled; the externals below are a guard should that change.
const config: NextConfig = {
  transpilePackages: ['@unwarp/jobs', '@unwarp/storage', '@unwarp/config', '@unwarp/pipeline'],
  serverExternalPackages: [
    'sharp',
    'bullmq',
    'ioredis',
    'pino',
    '@tensorflow/tfjs',
    '@tensorflow/tfjs-node',
    '@tensorflow/tfjs-node-gpu',
    '@tensorflow/tfjs-backend-wasm',
    '@vladmandic/human',
    '@contentauth/c2pa-wasm',
  ],
  // Types are checked by `npm run typecheck` (turbo); a build must not fail because a sibling package is mid-edit.
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  // Offline by construction: no font, script or style may come from another origin.
  async headers() {
    const csp = [
      "default-src 'self'",
      "img-src 'self' blob: data:",
      "style-src 'self' 'unsafe-inline'",
      `script-src 'self' 'unsafe-inline'${process.env.NODE_ENV === 'development' ? " 'unsafe-eval'" : ''}`,
      "connect-src 'self'",
      "font-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'self'",
      "form-action 'self'",
    ].join('; ');
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'Content-Security-Policy', value: csp },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'no-referrer' },
        ],
      },
    ];
  },
};

export default config;
