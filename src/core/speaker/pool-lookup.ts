// Finds the pool that holds a Service's IPs: the controller's annotation first, else by address.
import type { Config, Pool } from '../config/model';
import { parseIp } from '../net/ip';
import { ANNOTATION, metallbAnnotation, type ServiceView } from '../service';

export function poolContaining(config: Config, ip: string): Pool | undefined {
  const parsed = parseIp(ip);
  if (!parsed) return undefined;
  return config.pools.find((p) =>
    p.ranges.some((r) => r.family === parsed.family && r.first <= parsed.value && parsed.value <= r.last),
  );
}

/** The pool a Service's ingress IPs belong to; undefined when they left every pool. */
export function poolForService(config: Config, svc: ServiceView): Pool | undefined {
  const [firstIp] = svc.ingressIPs;
  if (firstIp === undefined) return undefined;
  const named = metallbAnnotation(svc, ANNOTATION.ipAllocatedFromPool);
  const byName = named ? config.pools.find((p) => p.name === named) : undefined;
  const candidate = byName ?? poolContaining(config, firstIp);
  if (!candidate) return undefined;
  // Every IP must still lie in the pool, else the Service is being re-allocated: do not announce.
  return svc.ingressIPs.every((ip) => poolContaining(config, ip)?.name === candidate.name) ? candidate : undefined;
}
