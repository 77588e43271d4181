package io.rdc.runtime.kernel;

/**
 * Kernel work that must run on an incarnation's own thread between two of its handlers — even
 * while it is frozen (a frozen incarnation can still be migrated, §7.4.2) — such as taking the
 * state for a migration.
 */
public interface BoundaryTask extends Runnable {}
