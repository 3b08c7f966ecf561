// Public surface of the IPAM allocator (pure, no I/O); see allocator.ts for the semantics.
export { Allocator, type AllocatorOptions, type Assigned, type AssignOutcome, type PoolChange, type PoolStats } from './allocator';
export { AllocationError, type AllocationFailureReason, type Result } from './allocation-error';
export { managedBy, requestFor, backendKey, type AllocationRequest, type FamilyNeed } from './service-request';
export { poolAdmits, autoAssignTiers, type NamespaceLabels } from './pool-eligibility';
export { isBuggyIPv4 } from './pool-space';
