import {
  FIDELITIES,
  MECHANISM_GUARANTEES,
  describeCycle,
  type Fidelity,
  type Mechanism,
  type ResolvedEdge,
  type ResolvedTopology,
  type Survival,
} from './topology';

/** The alerts that watch an edge, by mechanism, with what renders them. */
const ALERTS: Readonly<Record<Mechanism, (edge: ResolvedEdge) => string[]>> = {
  multisite: () => [
    'none rendered by CephMultisite: watch `radosgw-admin sync status` and the Ceph mgr RGW metrics',
  ],
  crr: (edge) => {
    const pairs = edge.direction === 'two-way' ? [[edge.from, edge.to], [edge.to, edge.from]] : [[edge.from, edge.to]];
    return pairs.flatMap(([from, to]) => [
      `CloudWatch OperationsFailedReplication > 0 (${from?.name} -> ${to?.name}, rule ${edge.name})`,
      `CloudWatch ReplicationLatency > 900 s for 3 x 5 min (${from?.name} -> ${to?.name}, rule ${edge.name})`,
    ]);
  },
  camel: () => [
    'S3ReplicatorCephToAwsDown',
    'S3ReplicatorAwsToCephDown',
    'S3ReplicatorHighErrorRate',
    'S3ReplicatorHighLatency',
    'S3ReplicatorKafkaConsumerLag',
    'dead-letter queue depth (CamelReplicator PrometheusRule)',
  ],
  native: () => [
    'replicator down, failed and dead-lettered events, end-to-end lag, reconcile drift (native engine PrometheusRule)',
  ],
  'bucket-sync': () => ['missed schedule', 'failed sync (BucketSyncPolicy PrometheusRule)'],
  cosmos: () => ['none rendered: watch the Cosmos ingestion CronJob'],
};

/** One edge of the report. */
export interface TopologyReportEdge {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly direction: ResolvedEdge['direction'];
  readonly purpose: ResolvedEdge['purpose'];
  readonly mode: ResolvedEdge['mode'];
  readonly schedule?: string;
  readonly mechanism: Mechanism;
  /** Whether the mechanism was set on the edge rather than picked by the table. */
  readonly overridden: boolean;
  readonly construct: string;
  readonly prefix: string;
  readonly mustSurvive: readonly Fidelity[];
  readonly survives: Readonly<Record<Fidelity, Survival>>;
  readonly expectedLag: string;
  readonly loopGuard: string | null;
  readonly alerts: readonly string[];
  readonly warnings: readonly string[];
}

/** The report as data (what `JSON.stringify` writes for tools). */
export interface TopologyReport {
  readonly sites: readonly {
    readonly name: string;
    readonly kind: string;
    readonly region: string | null;
    readonly kubeContext: string | null;
    readonly gitopsPath: string;
    readonly buckets: readonly string[];
  }[];
  readonly edges: readonly TopologyReportEdge[];
  /** Loops of continuous edges and the guard that breaks each. */
  readonly loops: readonly { readonly cycle: string; readonly edges: readonly string[]; readonly guard: string }[];
}

export function topologyReport(topology: ResolvedTopology): TopologyReport {
  return {
    sites: topology.sites.map((site) => ({
      name: site.name,
      kind: site.kind,
      region: site.region ?? null,
      kubeContext: site.kubeContext ?? null,
      gitopsPath: site.gitopsPath,
      buckets: [...site.buckets],
    })),
    edges: topology.edges.map((edge) => ({
      name: edge.name,
      from: edge.from.ref,
      to: edge.to.ref,
      direction: edge.direction,
      purpose: edge.purpose,
      mode: edge.mode,
      ...(edge.schedule !== undefined ? { schedule: edge.schedule } : {}),
      mechanism: edge.mechanism,
      overridden: edge.overridden,
      construct: edge.guarantees.construct,
      prefix: edge.prefix,
      mustSurvive: edge.mustSurvive,
      survives: edge.guarantees.survives,
      expectedLag: edge.guarantees.expectedLag,
      loopGuard: edge.guarantees.loopGuard ?? null,
      alerts: ALERTS[edge.mechanism](edge),
      warnings: edge.warnings,
    })),
    loops: topology.guardedLoops.map((loop) => ({
      cycle: describeCycle(loop.arcs),
      edges: [...new Set(loop.arcs.map((arc) => arc.edge.name))],
      guard: loop.guard,
    })),
  };
}

/** The report as pretty JSON, ending in a newline. */
export function topologyReportJson(topology: ResolvedTopology): string {
  return `${JSON.stringify(topologyReport(topology), null, 2)}\n`;
}

/** Mermaid node id of each bucket, stable in declaration order. */
function nodeIds(topology: ResolvedTopology): Map<string, string> {
  const ids = new Map<string, string>();
  for (const site of topology.sites) for (const bucket of site.buckets) ids.set(`${site.name}/${bucket}`, `b${ids.size}`);
  return ids;
}

function mermaidText(text: string): string {
  return text.replace(/"/g, '#quot;');
}

/** A Mermaid flowchart: one subgraph per site, one node per bucket, one arrow per edge. */
export function topologyMermaid(topology: ResolvedTopology): string {
  const ids = nodeIds(topology);
  const lines = ['flowchart LR'];
  topology.sites.forEach((site, index) => {
    const region = site.region ? ` (${site.region})` : '';
    lines.push(`  subgraph s${index}["${mermaidText(`${site.name}: ${site.kind}${region}`)}"]`);
    for (const bucket of site.buckets) lines.push(`    ${ids.get(`${site.name}/${bucket}`)}["${mermaidText(bucket)}"]`);
    lines.push('  end');
  });
  for (const edge of topology.edges) {
    const label = mermaidText(`${edge.name}: ${edge.mechanism}${edge.schedule ? ` ${edge.schedule}` : ''}`);
    const from = ids.get(edge.from.ref);
    const to = ids.get(edge.to.ref);
    const twoWay = edge.direction === 'two-way';
    const arrow = edge.mode === 'scheduled'
      ? `${twoWay ? '<' : ''}-. "${label}" .->`
      : `${twoWay ? '<' : ''}-- "${label}" -->`;
    lines.push(`  ${from} ${arrow} ${to}`);
  }
  return `${lines.join('\n')}\n`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

const LEVEL_MARK: Readonly<Record<Survival['level'], string>> = { yes: 'yes', partial: 'partly', no: 'no' };

/** The report as Markdown: sites, edges, fidelity, loops, warnings, and the Mermaid diagram. */
export function topologyMarkdown(topology: ResolvedTopology, title = 'Replication topology'): string {
  const report = topologyReport(topology);
  const out: string[] = [`# ${title}`, '', '```mermaid', topologyMermaid(topology).trimEnd(), '```', '', '## Sites', ''];
  out.push('| Site | Kind | Region | Kube context | GitOps folder | Buckets |', '|---|---|---|---|---|---|');
  for (const site of report.sites) {
    out.push(`| ${site.name} | ${site.kind} | ${site.region ?? '-'} | ${site.kubeContext ?? '-'} | ${site.gitopsPath} | ${site.buckets.join(', ')} |`);
  }
  out.push('', '## Edges', '');
  out.push('| Edge | From | To | Direction | Purpose | Mode | Mechanism | Expected lag |', '|---|---|---|---|---|---|---|---|');
  for (const edge of report.edges) {
    const mode = edge.schedule ? `scheduled (\`${edge.schedule}\`)` : edge.mode;
    const mechanism = `${edge.mechanism}${edge.overridden ? ' (set on the edge)' : ''}`;
    out.push(`| ${edge.name} | ${edge.from} | ${edge.to} | ${edge.direction} | ${edge.purpose} | ${mode} | ${mechanism} | ${cell(edge.expectedLag)} |`);
  }
  out.push('', '## What survives', '');
  out.push(`| Edge | ${FIDELITIES.join(' | ')} |`, `|---|${FIDELITIES.map(() => '---').join('|')}|`);
  for (const edge of report.edges) {
    const cells = FIDELITIES.map((fidelity) => {
      const mark = LEVEL_MARK[edge.survives[fidelity].level];
      return edge.mustSurvive.includes(fidelity) ? `**${mark}** (required)` : mark;
    });
    out.push(`| ${edge.name} | ${cells.join(' | ')} |`);
  }
  out.push('', '## Per edge', '');
  for (const edge of report.edges) {
    out.push(`### ${edge.name}`, '');
    out.push(`- ${edge.from} ${edge.direction === 'two-way' ? '<->' : '->'} ${edge.to}, ${edge.mechanism} (${edge.construct})`);
    if (edge.prefix) out.push(`- keys under \`${edge.prefix}\``);
    out.push(`- loop guard: ${edge.loopGuard ?? 'none'}`);
    for (const fidelity of FIDELITIES) out.push(`- ${fidelity}: ${LEVEL_MARK[edge.survives[fidelity].level]}, ${edge.survives[fidelity].note}`);
    out.push(`- alerts: ${edge.alerts.join('; ')}`);
    for (const warning of edge.warnings) out.push(`- **warning**: ${warning}`);
    out.push('');
  }
  out.push('## Loops', '');
  if (report.loops.length === 0) out.push('No loops of continuous edges.');
  for (const loop of report.loops) out.push(`- \`${loop.cycle}\`: broken because ${loop.guard}`);
  return `${out.join('\n')}\n`;
}

const COLUMN_WIDTH = 220;
const COLUMN_GAP = 140;
const BUCKET_HEIGHT = 36;
const BUCKET_GAP = 24;
const SITE_HEADER = 44;
const MARGIN = 20;

const SITE_FILL: Readonly<Record<string, string>> = { ceph: '#fdecea', aws: '#fff4e0', edgefs: '#e8f0fe', zenko: '#e6f4ea' };

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The topology as a standalone SVG, laid out without a browser: one column per site (Ceph, EdgeFS,
 * Zenko, then AWS, each in declaration order), buckets stacked in the column, edges as curves
 * labelled with name and mechanism; dashed for scheduled edges, arrowheads at both ends for two-way.
 */
export function topologySvg(topology: ResolvedTopology): string {
  const kindOrder = ['ceph', 'edgefs', 'zenko', 'aws'];
  const columns = [...topology.sites].sort((a, b) => kindOrder.indexOf(a.kind) - kindOrder.indexOf(b.kind));
  const boxes = new Map<string, { x: number; y: number }>();
  const maxBuckets = Math.max(1, ...columns.map((site) => site.buckets.length));
  const siteHeight = SITE_HEADER + maxBuckets * (BUCKET_HEIGHT + BUCKET_GAP);
  const edgeRows = topology.edges.length * 18;
  const width = MARGIN * 2 + columns.length * COLUMN_WIDTH + (columns.length - 1) * COLUMN_GAP;
  const height = MARGIN * 2 + siteHeight + edgeRows + 40;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>',
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  columns.forEach((site, column) => {
    const x = MARGIN + column * (COLUMN_WIDTH + COLUMN_GAP);
    const region = site.region ? ` (${site.region})` : '';
    parts.push(`<g class="site" id="site-${xml(site.name)}">`);
    parts.push(`<rect x="${x}" y="${MARGIN}" width="${COLUMN_WIDTH}" height="${siteHeight}" rx="8" fill="${SITE_FILL[site.kind] ?? '#eeeeee'}" stroke="#888"/>`);
    parts.push(`<text x="${x + COLUMN_WIDTH / 2}" y="${MARGIN + 18}" text-anchor="middle" font-weight="bold">${xml(site.name)}</text>`);
    parts.push(`<text x="${x + COLUMN_WIDTH / 2}" y="${MARGIN + 34}" text-anchor="middle" fill="#555">${xml(`${site.kind}${region}`)}</text>`);
    site.buckets.forEach((bucket, row) => {
      const y = MARGIN + SITE_HEADER + row * (BUCKET_HEIGHT + BUCKET_GAP);
      boxes.set(`${site.name}/${bucket}`, { x: x + 10, y });
      parts.push(`<rect class="bucket" x="${x + 10}" y="${y}" width="${COLUMN_WIDTH - 20}" height="${BUCKET_HEIGHT}" rx="4" fill="#ffffff" stroke="#444"/>`);
      parts.push(`<text x="${x + COLUMN_WIDTH / 2}" y="${y + 22}" text-anchor="middle">${xml(bucket)}</text>`);
    });
    parts.push('</g>');
  });
  topology.edges.forEach((edge, index) => {
    const from = boxes.get(edge.from.ref);
    const to = boxes.get(edge.to.ref);
    if (!from || !to) return;
    const boxWidth = COLUMN_WIDTH - 20;
    const rightward = to.x >= from.x;
    const startX = from.x === to.x ? from.x + boxWidth : rightward ? from.x + boxWidth : from.x;
    const endX = from.x === to.x ? to.x + boxWidth : rightward ? to.x : to.x + boxWidth;
    const startY = from.y + BUCKET_HEIGHT / 2;
    const endY = to.y + BUCKET_HEIGHT / 2;
    const bend = from.x === to.x ? 60 : Math.round(Math.abs(endX - startX) / 3);
    const c1 = from.x === to.x || rightward ? startX + bend : startX - bend;
    const c2 = from.x === to.x || rightward ? endX - (from.x === to.x ? -bend : bend) : endX + bend;
    const dash = edge.mode === 'scheduled' ? ' stroke-dasharray="6 4"' : '';
    const markers = `${edge.direction === 'two-way' ? ' marker-start="url(#arrow)"' : ''} marker-end="url(#arrow)"`;
    const label = `${index + 1}`;
    parts.push(`<g class="edge" id="edge-${xml(edge.name)}">`);
    parts.push(`<path d="M${startX},${startY} C${c1},${startY} ${c2},${endY} ${endX},${endY}" fill="none" stroke="#333" stroke-width="1.5"${dash}${markers}/>`);
    const midX = (startX + endX) / 2 + (from.x === to.x ? bend * 0.75 : 0);
    const midY = (startY + endY) / 2 - 4;
    parts.push(`<circle cx="${midX}" cy="${midY}" r="9" fill="#ffffff" stroke="#333"/>`);
    parts.push(`<text x="${midX}" y="${midY + 4}" text-anchor="middle" font-size="11">${label}</text>`);
    const legendY = MARGIN + siteHeight + 24 + index * 18;
    const schedule = edge.schedule ? `, ${edge.schedule}` : '';
    const legend = `${label}. ${edge.name}: ${edge.from.ref} ${edge.direction === 'two-way' ? '<->' : '->'} ${edge.to.ref}, ${edge.mechanism}${schedule} (${edge.purpose})`;
    parts.push(`<text x="${MARGIN}" y="${legendY}">${xml(legend)}</text>`);
    parts.push('</g>');
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The guarantee table of every mechanism as Markdown (docs/topology.md embeds it). */
export function mechanismGuaranteeTable(): string {
  const lines = [
    `| Mechanism | Renders with | ${FIDELITIES.join(' | ')} | Two-way deletes | Expected lag | Loop guard |`,
    `|---|---|${FIDELITIES.map(() => '---').join('|')}|---|---|---|`,
  ];
  for (const g of Object.values(MECHANISM_GUARANTEES)) {
    const cells = FIDELITIES.map((fidelity) => `${LEVEL_MARK[g.survives[fidelity].level]}: ${cell(g.survives[fidelity].note)}`);
    lines.push(
      `| ${g.mechanism} | ${cell(g.construct)} | ${cells.join(' | ')} | ${g.twoWayDeletes ? 'yes' : 'no'} | ${cell(g.expectedLag)} | ${cell(g.loopGuard ?? 'none')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
