import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rciisTopology } from '../../examples/topology/rciis';
import {
  mechanismGuaranteeTable,
  resolveTopology,
  topologyMarkdown,
  topologyMermaid,
  topologyReport,
  topologyReportJson,
  topologySvg,
} from '../../lib/model';

const topology = resolveTopology('T', rciisTopology);

describe('topology report', () => {
  it('lists every edge with mechanism, what survives, expected lag, loop guard and alerts', () => {
    const report = topologyReport(topology);
    expect(report.edges.map((e) => [e.name, e.mechanism, e.construct])).toEqual([
      ['ceph-sites', 'multisite', 'CephMultisite'],
      ['aws-regions', 'crr', 'CrrReplication'],
      ['ceph-aws', 'camel', 'CamelReplicator (cdk8s) + CamelReplicatorAws (Pulumi)'],
    ]);
    const crr = report.edges.find((e) => e.name === 'aws-regions');
    expect(crr?.survives.deletes.level).toBe('partial');
    expect(crr?.expectedLag).toBe('most objects within 15 minutes (99.99 % with Replication Time Control)');
    expect(crr?.alerts).toEqual([
      'CloudWatch OperationsFailedReplication > 0 (rciis-data-af-south-1 -> rciis-data-eu-west-1, rule aws-regions)',
      'CloudWatch ReplicationLatency > 900 s for 3 x 5 min (rciis-data-af-south-1 -> rciis-data-eu-west-1, rule aws-regions)',
    ]);
    expect(report.edges.find((e) => e.name === 'ceph-aws')?.alerts).toContain('S3ReplicatorCephToAwsDown');
    expect(report.loops.map((l) => l.edges)).toEqual([['ceph-sites'], ['ceph-aws']]);
    expect(JSON.parse(topologyReportJson(topology))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('draws a Mermaid flowchart with a subgraph per site and an arrow per edge', () => {
    expect(topologyMermaid(topology)).toBe(
      [
        'flowchart LR',
        '  subgraph s0["site-a: ceph (za-onprem-a)"]',
        '    b0["rciis-data"]',
        '  end',
        '  subgraph s1["site-b: ceph (za-onprem-b)"]',
        '    b1["rciis-data"]',
        '  end',
        '  subgraph s2["onprem: ceph (za-onprem-a)"]',
        '    b2["s3-replication-test"]',
        '  end',
        '  subgraph s3["aws-af-south-1: aws (af-south-1)"]',
        '    b3["rciis-data-af-south-1"]',
        '    b4["rciis-ceph-replica-af-south-1"]',
        '  end',
        '  subgraph s4["aws-eu-west-1: aws (eu-west-1)"]',
        '    b5["rciis-data-eu-west-1"]',
        '  end',
        '  b0 <-- "ceph-sites: multisite" --> b1',
        '  b3 -- "aws-regions: crr" --> b5',
        '  b2 <-- "ceph-aws: camel" --> b4',
        '',
      ].join('\n'),
    );
  });

  it('draws scheduled edges dashed in Mermaid and SVG', () => {
    const scheduled = resolveTopology('T', {
      sites: [
        { kind: 'aws', name: 'a', accountId: '111111111111', region: 'af-south-1', buckets: ['src-a'] },
        { kind: 'zenko', name: 'z', endpoint: 'https://zenko.example.com', buckets: ['ingest'] },
      ],
      edges: [{ name: 'ingest', from: 'a/src-a', to: 'z/ingest', purpose: 'backup', mode: 'scheduled', schedule: '0 8 * * *' }],
    });
    expect(topologyMermaid(scheduled)).toContain('  b0 -. "ingest: cosmos 0 8 * * *" .-> b1');
    expect(topologySvg(scheduled)).toContain('stroke-dasharray="6 4"');
  });

  it('renders the Markdown report with the diagram, the fidelity table and the warnings', () => {
    const markdown = topologyMarkdown(topology, 'RCIIS');
    expect(markdown.startsWith('# RCIIS\n\n```mermaid\nflowchart LR\n')).toBe(true);
    expect(markdown).toContain('| aws-regions | aws-af-south-1/rciis-data-af-south-1 | aws-eu-west-1/rciis-data-eu-west-1 | one-way | dr | continuous | crr |');
    expect(markdown).toContain('| ceph-aws | **yes** (required) | no | partly | no | no |');
    expect(markdown).toContain('- **warning**: deletes survive only partly: delete markers replicate');
  });

  it('renders an SVG with a box per bucket, a path per edge, two arrowheads on two-way edges, text escaped', () => {
    const svg = topologySvg(topology);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<rect class="bucket"/g)).toHaveLength(6);
    expect(svg.match(/<path d="M[^"]* C/g)).toHaveLength(3);
    expect(svg.match(/marker-start="url\(#arrow\)"/g)).toHaveLength(2);
    expect(svg).toContain('1. ceph-sites: site-a/rciis-data &lt;-&gt; site-b/rciis-data, multisite (dr)');
    expect(svg).not.toMatch(/<text[^>]*>[^<]*[<>&](?!amp;|lt;|gt;|quot;)[^<]*<\/text>/);
  });

  it('docs/topology.svg is the current rendering of the runbook topology', () => {
    expect(readFileSync(join(__dirname, '../../docs/topology.svg'), 'utf8')).toBe(topologySvg(topology));
  });
});

describe('docs/topology.md', () => {
  it('shows the current guarantee table and the Mermaid diagram of the runbook topology', () => {
    const doc = readFileSync(join(__dirname, '../../docs/topology.md'), 'utf8');
    expect(doc).toContain(mechanismGuaranteeTable());
    expect(doc).toContain(`\`\`\`mermaid\n${topologyMermaid(topology)}\`\`\``);
    expect(doc).toContain('![The runbook topology](topology.svg)');
  });
});
