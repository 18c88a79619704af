/**
 * Health checks for the Rook object-storage kinds, as data for Argo CD and Flux.
 *
 * Neither tool knows these kinds: Argo CD reports any object it cannot assess as Healthy as soon as
 * it exists, so a sync wave does not wait for the CephObjectRealm before applying the zone group, and
 * Flux's kstatus finds no `Ready` condition to wait for. Rook reports progress in `status.phase`:
 * `Ready` (or `Connected` for an external store) when reconciled, `Progressing` / `Reconciling` /
 * `Connecting` / `Deleting` on the way, `Failure` (object store) or `ReconcileFailed` / `Failed`
 * (realm, zone group, zone) on error, and `status.observedGeneration` once a generation is done.
 *
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/health/#custom-health-checks
 * @see https://fluxcd.io/flux/components/kustomize/kustomizations/#health-check-expressions
 */

/** API group and version of the Rook kinds. */
export const ROOK_API_VERSION = 'ceph.rook.io/v1';

/** The Rook kinds CephMultisite renders, in apply order. */
export const ROOK_OBJECT_KINDS = ['CephObjectRealm', 'CephObjectZoneGroup', 'CephObjectZone', 'CephObjectStore'] as const;

export type RookObjectKind = (typeof ROOK_OBJECT_KINDS)[number];

const HEALTHY_PHASES = ['Ready', 'Connected'] as const;
const FAILED_PHASES = ['Failure', 'Failed', 'ReconcileFailed'] as const;

const luaCondition = (phases: readonly string[]) => phases.map((phase) => `phase == "${phase}"`).join(' or ');
const celList = (phases: readonly string[]) => `[${phases.map((phase) => `'${phase}'`).join(', ')}]`;

/**
 * Argo CD health script (Lua) for every Rook kind: Healthy when `status.phase` is Ready or Connected
 * for the object's current generation, Degraded when it is Failure, Failed or ReconcileFailed,
 * Progressing otherwise (no status yet, or Rook still working).
 */
export const ROOK_HEALTH_LUA = `local hs = { status = "Progressing", message = "Waiting for Rook to report a phase" }
if obj.status ~= nil and obj.status.phase ~= nil and obj.status.phase ~= "" then
  local phase = obj.status.phase
  hs.message = "Rook reports phase " .. phase
  if ${luaCondition(HEALTHY_PHASES)} then
    local observed = obj.status.observedGeneration
    local generation = obj.metadata.generation
    if observed ~= nil and generation ~= nil and observed < generation then
      hs.message = "Rook has not reconciled generation " .. generation .. " yet (observed " .. observed .. ")"
    else
      hs.status = "Healthy"
    end
  elseif ${luaCondition(FAILED_PHASES)} then
    hs.status = "Degraded"
  end
end
return hs
`;

/**
 * The `argocd-cm` ConfigMap entries that teach Argo CD the health of the Rook kinds, keyed
 * `resource.customizations.health.ceph.rook.io_<Kind>`. Merge them into `argocd-cm` (see
 * docs/ceph-multisite.md); Argo CD then holds each sync wave until the previous wave's Rook objects
 * are Ready.
 */
export function argoCdRookHealthCustomizations(): Record<string, string> {
  const group = ROOK_API_VERSION.split('/')[0];
  return Object.fromEntries(ROOK_OBJECT_KINDS.map((kind) => [`resource.customizations.health.${group}_${kind}`, ROOK_HEALTH_LUA]));
}

/** One entry of a Flux Kustomization's `spec.healthCheckExprs`. */
export interface FluxHealthCheckExpr {
  readonly apiVersion: string;
  readonly kind: string;
  /** CEL: the object has reached its desired state. */
  readonly current: string;
  /** CEL: the object failed; Flux stops waiting and reports the failure. */
  readonly failed: string;
}

/** One entry of a Flux Kustomization's `spec.healthChecks`. */
export interface FluxHealthCheckRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

/**
 * Flux `spec.healthCheckExprs` (Flux 2.5 or later) with the same rules as {@link ROOK_HEALTH_LUA}.
 * Flux evaluates them for the objects listed in `spec.healthChecks` or, with `spec.wait: true`, for
 * every object it applies.
 */
export function fluxRookHealthCheckExprs(): FluxHealthCheckExpr[] {
  const current =
    `has(status.phase) && status.phase in ${celList(HEALTHY_PHASES)} && ` +
    '(!has(status.observedGeneration) || status.observedGeneration >= metadata.generation)';
  const failed = `has(status.phase) && status.phase in ${celList(FAILED_PHASES)}`;
  return ROOK_OBJECT_KINDS.map((kind) => ({ apiVersion: ROOK_API_VERSION, kind, current, failed }));
}
