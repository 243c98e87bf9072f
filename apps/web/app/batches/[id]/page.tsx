import type { Metadata } from 'next';
import { BatchView } from '@/components/BatchView.tsx';
import { appEnv } from '@/lib/server/env.ts';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Batch' };

export default async function BatchPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <BatchView id={id} needsKey={appEnv().apiKeys.length > 0} />;
}
