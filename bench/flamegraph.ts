/**
 * A minimal flame graph (SVG, no dependencies) from folded stacks: each frame a box as wide as its
 * share of the samples, callers below callees. Hover a box for its name and share.
 */
interface Frame {
  readonly name: string;
  weight: number;
  readonly children: Map<string, Frame>;
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function colour(name: string): string {
  const module = /\[(.*)\]$/.exec(name)?.[1] ?? '';
  let hash = 0;
  for (const ch of module) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  const own = module.startsWith('src/');
  const hue = own ? 200 + (hash % 40) : module.startsWith('node:') ? 30 + (hash % 25) : 0 + (hash % 50);
  return `hsl(${hue}, ${own ? 60 : 75}%, ${62 + (hash % 12)}%)`;
}

export function flameGraphSvg(folded: ReadonlyMap<string, number>, title: string, width = 1600): string {
  const root: Frame = { name: 'all', weight: 0, children: new Map() };
  for (const [stack, weight] of folded) {
    root.weight += weight;
    let node = root;
    for (const name of stack.split(';')) {
      let child = node.children.get(name);
      if (!child) {
        child = { name, weight: 0, children: new Map() };
        node.children.set(name, child);
      }
      child.weight += weight;
      node = child;
    }
  }
  const rowHeight = 17;
  const boxes: Array<{ x: number; w: number; depth: number; frame: Frame }> = [];
  const draw = (frame: Frame, x: number, depth: number): void => {
    const w = (frame.weight / root.weight) * width;
    if (w < 0.5) return;
    boxes.push({ x, w, depth, frame });
    let offset = x;
    for (const child of [...frame.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      draw(child, offset, depth + 1);
      offset += (child.weight / root.weight) * width;
    }
  };
  draw(root, 0, 0);
  const depthMax = Math.max(0, ...boxes.map((b) => b.depth));
  const height = (depthMax + 1) * rowHeight + 40;
  // The root at the bottom, callees above their callers, as flame graphs go.
  const drawn = boxes.map(({ x, w, depth, frame }) => {
    const y = height - 10 - (depth + 1) * rowHeight;
    const share = ((frame.weight / root.weight) * 100).toFixed(2);
    const label = w > 40 ? `<text x="${(x + 3).toFixed(1)}" y="${y + 12}">${escape(frame.name.slice(0, Math.floor(w / 7)))}</text>` : '';
    return `<g><title>${escape(frame.name)} (${share} %)</title><rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowHeight - 1}" fill="${colour(frame.name)}"/>${label}</g>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="monospace" font-size="11">`,
    `<text x="4" y="16" font-size="14">${escape(title)}</text>`,
    ...drawn,
    '</svg>',
  ].join('\n');
}
