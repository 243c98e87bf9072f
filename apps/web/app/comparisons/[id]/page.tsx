import type { Metadata } from 'next';
import { ComparisonView } from '@/components/ComparisonView.tsx';
import { appEnv } from '@/lib/server/env.ts';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Comparison with the original' };

/** Permalink of one comparison: the page fetches it from the API (with the tab's API key when keys are configured). */
export default async function ComparisonPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ComparisonView id={id} needsKey={appEnv().apiKeys.length > 0} />;
}
