import type { XmpHistoryEvent } from '../types.ts';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e] ?? '')
    .trim();
}

/** A property written either as an attribute (`ns:Name="v"`) or an element (`<ns:Name>v</ns:Name>`); first one wins. */
function prop(xml: string, qname: string): string | null {
  const q = qname.replace('.', '\\.');
  const attr = new RegExp(`\\b${q}\\s*=\\s*"([^"]*)"|\\b${q}\\s*=\\s*'([^']*)'`).exec(xml);
  if (attr) return unescapeXml(attr[1] ?? attr[2] ?? '');
  const el = new RegExp(`<${q}(?:\\s[^>]*)?>([\\s\\S]*?)</${q}>`).exec(xml);
  if (!el) return null;
  // Containers (rdf:Seq/Alt/Bag): take the list items.
  const items = [...(el[1] ?? '').matchAll(/<rdf:li(?:\s[^>]*)?>([\s\S]*?)<\/rdf:li>/g)].map((m) =>
    unescapeXml(m[1] ?? ''),
  );
  const text = items.length > 0 ? items.filter(Boolean).join('; ') : unescapeXml(el[1] ?? '');
  return text === '' ? null : text;
}

export type XmpFacts = {
  creatorTool: string | null;
  history: XmpHistoryEvent[];
  creator: string | null;
  credit: string | null;
  rights: string | null;
};

/** The few XMP facts the metadata aid reports, by tolerant pattern matching (XMP from editors is well-formed RDF). */
export function readXmp(xml: string): XmpFacts {
  const history: XmpHistoryEvent[] = [];
  const block = /<xmpMM:History(?:\s[^>]*)?>([\s\S]*?)<\/xmpMM:History>/.exec(xml)?.[1];
  if (block) {
    for (const li of block.split(/<rdf:li\b/).slice(1)) {
      const event: XmpHistoryEvent = {
        action: prop(li, 'stEvt:action'),
        softwareAgent: prop(li, 'stEvt:softwareAgent'),
        when: prop(li, 'stEvt:when'),
      };
      if (event.action || event.softwareAgent) history.push(event);
    }
  }
  return {
    creatorTool: prop(xml, 'xmp:CreatorTool') ?? prop(xml, 'xap:CreatorTool'),
    history,
    creator: prop(xml, 'dc:creator'),
    credit: prop(xml, 'photoshop:Credit'),
    rights: prop(xml, 'dc:rights'),
  };
}
