import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Unwarp — liquify forensics', template: '%s · Unwarp' },
  description: 'Checks whether a face in a photo was reshaped with a liquify-type tool, shows where, and undoes it.',
  robots: { index: false },
};
export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip" href="#main">
          Skip to content
        </a>
        <header className="site">
          <a href="/" className="brand" aria-label="Unwarp, home">
            <span aria-hidden="true" className="brand-mark">
              ◐
            </span>
            Unwarp
          </a>
          <nav aria-label="Main">
            <a href="/">Check photos</a>
            <a href="/api/v1/openapi.json">API</a>
          </nav>
        </header>
        <main id="main">{children}</main>
        <footer className="site">
          Unwarp estimates whether a face was reshaped with a liquify-type tool. It is one signal among others — check
          sources, metadata and other copies of the photo before drawing conclusions.
        </footer>
      </body>
    </html>
  );
}
