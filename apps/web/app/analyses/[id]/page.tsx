import type { Metadata } from 'next';
import { ResultView } from '@/components/ResultView.tsx';
import { appEnv } from '@/lib/server/env.ts';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Result' };

/** Permalink of one analysis: the page fetches it from the API (with the tab's API key when keys are configured). */
export default async function AnalysisPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ResultView id={id} needsKey={appEnv().apiKeys.length > 0} />;
}
