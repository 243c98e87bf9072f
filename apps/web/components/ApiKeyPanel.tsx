'use client';

import { useEffect, useState } from 'react';
import { getApiKey, setApiKey } from '@/lib/client-api.ts';

/** In API-key mode, where the user gives their key for this tab (sessionStorage; never sent anywhere but this server). */
export function useApiKey(): [string | null, (k: string | null) => void] {
  const [key, setKey] = useState<string | null>(null);
  useEffect(() => setKey(getApiKey()), []);
  return [
    key,
    (k) => {
      setApiKey(k);
      setKey(k);
    },
  ];
}

export function ApiKeyPanel({ apiKey, onChange }: { apiKey: string | null; onChange: (k: string | null) => void }) {
  const [draft, setDraft] = useState('');
  if (apiKey)
    return (
      <p className="small muted">
        Using your API key for this tab.{' '}
        <button type="button" className="secondary" onClick={() => onChange(null)}>
          Forget key
        </button>
      </p>
    );
  return (
    <form
      className="notice"
      onSubmit={(e) => {
        e.preventDefault();
        if (draft.trim()) onChange(draft.trim());
      }}
    >
      <label htmlFor="api-key">
        <strong>This server needs an API key.</strong> It is kept in this browser tab only.
      </label>
      <div style={{ display: 'flex', gap: '0.5rem', marginTop: '0.4rem', flexWrap: 'wrap' }}>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          style={{ flex: '1 1 14rem' }}
        />
        <button type="submit">Use key</button>
      </div>
    </form>
  );
}
