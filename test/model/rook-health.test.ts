import { evaluate } from '@marcbachmann/cel-js';
import { lauxlib, lua, lualib, to_luastring } from 'fengari';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ManifestValidator,
  ROOK_HEALTH_LUA,
  ROOK_OBJECT_KINDS,
  argoCdRookHealthCustomizations,
  fluxRookHealthCheckExprs,
  formatManifestProblem,
} from '../../lib/model';

interface Health {
  readonly status: string;
  readonly message: string;
}

/** Runs a health script as Argo CD does: `obj` is the live object, the script returns `{ status, message }`. */
function runLua(script: string, obj: unknown): Health {
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  const load = (code: string) => {
    if (lauxlib.luaL_loadstring(L, to_luastring(code)) !== lua.LUA_OK || lua.lua_pcall(L, 0, lua.LUA_MULTRET, 0) !== lua.LUA_OK) {
      throw new Error(`Lua failed: ${lua.lua_tojsstring(L, -1)}`);
    }
  };
  load(`obj = ${toLua(obj)}`);
  load(`local function health()\n${script}\nend\nlocal hs = health()\nresult_status = hs.status\nresult_message = hs.message`);
  const read = (name: string) => {
    lua.lua_getglobal(L, to_luastring(name));
    const value = lua.lua_tojsstring(L, -1);
    lua.lua_pop(L, 1);
    return value;
  };
  return { status: read('result_status'), message: read('result_message') };
}

function toLua(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `{${value.map(toLua).join(', ')}}`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([key, entry]) => `[${JSON.stringify(key)}] = ${toLua(entry)}`)
    .join(', ')}}`;
}

const store = (status?: Record<string, unknown>, generation = 2) => ({
  apiVersion: 'ceph.rook.io/v1',
  kind: 'CephObjectStore',
  metadata: { name: 'multisite-store', namespace: 'rook-ceph', generation },
  ...(status ? { status } : {}),
});

describe('Rook health checks', () => {
  it('keys one Argo CD customization per Rook object kind as resource.customizations.health.<group>_<kind>', () => {
    expect(ROOK_OBJECT_KINDS).toEqual(['CephObjectRealm', 'CephObjectZoneGroup', 'CephObjectZone', 'CephObjectStore']);
    expect(argoCdRookHealthCustomizations()).toEqual({
      'resource.customizations.health.ceph.rook.io_CephObjectRealm': ROOK_HEALTH_LUA,
      'resource.customizations.health.ceph.rook.io_CephObjectZoneGroup': ROOK_HEALTH_LUA,
      'resource.customizations.health.ceph.rook.io_CephObjectZone': ROOK_HEALTH_LUA,
      'resource.customizations.health.ceph.rook.io_CephObjectStore': ROOK_HEALTH_LUA,
    });
  });

  it('the Lua script reports Healthy only for a Ready or Connected phase of the current generation', () => {
    expect(runLua(ROOK_HEALTH_LUA, store({ phase: 'Ready', observedGeneration: 2 }))).toEqual({ status: 'Healthy', message: 'Rook reports phase Ready' });
    expect(runLua(ROOK_HEALTH_LUA, store({ phase: 'Connected' })).status).toBe('Healthy');
    expect(runLua(ROOK_HEALTH_LUA, store({ phase: 'Ready', observedGeneration: 1 }))).toEqual({
      status: 'Progressing',
      message: 'Rook has not reconciled generation 2 yet (observed 1)',
    });
    expect(runLua(ROOK_HEALTH_LUA, store())).toEqual({ status: 'Progressing', message: 'Waiting for Rook to report a phase' });
    expect(runLua(ROOK_HEALTH_LUA, store({ phase: '' })).status).toBe('Progressing');
    for (const phase of ['Progressing', 'Reconciling', 'Connecting', 'Deleting']) {
      expect(runLua(ROOK_HEALTH_LUA, store({ phase }))).toEqual({ status: 'Progressing', message: `Rook reports phase ${phase}` });
    }
    for (const phase of ['Failure', 'Failed', 'ReconcileFailed']) {
      expect(runLua(ROOK_HEALTH_LUA, store({ phase }))).toEqual({ status: 'Degraded', message: `Rook reports phase ${phase}` });
    }
  });

  it('the Flux CEL expressions agree with the Lua script', () => {
    const exprs = fluxRookHealthCheckExprs();
    expect(exprs.map((expr) => `${expr.apiVersion} ${expr.kind}`)).toEqual(ROOK_OBJECT_KINDS.map((kind) => `ceph.rook.io/v1 ${kind}`));
    const [expr] = exprs;
    if (!expr) throw new Error('no expressions');
    const cases: [Record<string, unknown>, 'current' | 'failed' | 'inProgress'][] = [
      [{ phase: 'Ready', observedGeneration: 2 }, 'current'],
      [{ phase: 'Connected' }, 'current'],
      [{ phase: 'Ready', observedGeneration: 1 }, 'inProgress'],
      [{}, 'inProgress'],
      [{ phase: 'Reconciling' }, 'inProgress'],
      [{ phase: 'Failure' }, 'failed'],
      [{ phase: 'ReconcileFailed' }, 'failed'],
    ];
    for (const [status, expected] of cases) {
      const object = store(status);
      const current = evaluate(expr.current, object) === true;
      const failed = evaluate(expr.failed, object) === true;
      expect(current ? 'current' : failed ? 'failed' : 'inProgress').toBe(expected);
    }
  });

  it('renders an argocd-cm ConfigMap and a Flux Kustomization that pass their upstream schemas', () => {
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'argocd-cm', namespace: 'argocd' },
      data: argoCdRookHealthCustomizations(),
    };
    const kustomization = {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'rook-multisite', namespace: 'flux-system' },
      spec: {
        interval: '10m',
        path: './site-a',
        prune: true,
        sourceRef: { kind: 'GitRepository', name: 'platform' },
        healthChecks: [{ apiVersion: 'ceph.rook.io/v1', kind: 'CephObjectStore', name: 'multisite-store', namespace: 'rook-ceph' }],
        healthCheckExprs: fluxRookHealthCheckExprs(),
      },
    };
    expect(ManifestValidator.forDirectory().validateAll([configMap, kustomization]).map(formatManifestProblem)).toEqual([]);
  });

  it('docs/ceph-multisite.md carries the same Lua script and CEL expressions', () => {
    const docs = readFileSync(join(__dirname, '../../docs/ceph-multisite.md'), 'utf8');
    const indented = (text: string, spaces: number) =>
      text
        .split('\n')
        .map((line) => (line ? ' '.repeat(spaces) + line : line))
        .join('\n');
    expect(docs).toContain(indented(ROOK_HEALTH_LUA.trimEnd(), 4));
    const [expr] = fluxRookHealthCheckExprs();
    expect(docs).toContain(`current: "${expr?.current}"`);
    expect(docs).toContain(`failed: "${expr?.failed}"`);
  });
});
