import { CompareForm } from '@/components/CompareForm.tsx';
import { Uploader } from '@/components/Uploader.tsx';
import { appEnv } from '@/lib/server/env.ts';
import { readableFormats } from '@/lib/server/image-check.ts';

export const dynamic = 'force-dynamic';

export default function Home() {
  let env: ReturnType<typeof appEnv>;
  try {
    env = appEnv();
  } catch (err) {
    return (
      <div className="notice error">
        <strong>The server is misconfigured.</strong> {(err as Error).message}
      </div>
    );
  }
  const local = env.apiKeys.length === 0;
  const limits = {
    maxBytes: env.UNWARP_MAX_UPLOAD_BYTES,
    maxPixels: env.UNWARP_MAX_PIXELS,
    maxFiles: env.UNWARP_MAX_BATCH_FILES,
    formats: readableFormats(),
  };
  return (
    <div className="stack">
      <section>
        <h1>Was this face reshaped?</h1>
        <p style={{ maxWidth: '46rem' }}>
          Drop one or more photos. For each face, Unwarp estimates how likely it is that its geometry was pushed with a
          liquify-type tool, shows where and by how much, and proposes how the face looked before. It does not say who
          edited a photo or why.
        </p>
        {local ? (
          <p className="notice small">
            <strong>Local mode:</strong> no API keys are configured, so anyone who can reach this server can submit
            photos and read results. Set <span className="mono">UNWARP_API_KEYS</span> to require keys.
          </p>
        ) : null}
      </section>
      <Uploader needsKey={!local} limits={limits} />
      <CompareForm needsKey={!local} limits={limits} />
      <section className="small muted">
        <h2>For developers</h2>
        <p>
          Everything here is also available through the REST API: see the{' '}
          <a href="/api/v1/openapi.json">OpenAPI 3.1 description</a>. Photos and results are stored on this server,
          addressed by the photo&apos;s SHA-256.
        </p>
      </section>
    </div>
  );
}
