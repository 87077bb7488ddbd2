import type { Container } from "kubernetes-types/core/v1.js";
import {
  InferenceServiceContainerName,
  InferenceServiceDefaultHttpPort,
  TransformerContainerName,
} from "../constants.js";
import type { Component } from "../probes/delegate.js";

/** The component container and the view the probe rules take of it. */
export interface ComponentContainer extends Component {
  readonly container: Container;
}

/**
 * The container the agent fronts: `transformer-container` if present, else `kserve-container`,
 * else the first container. Its readiness probe, first port (default 8080) and securityContext
 * are the ones used. KServe reads the probe and securityContext from `Containers[0]` but the
 * port from `kserve-container`; one container for all three is what a pod whose first container
 * is a sidecar needs.
 */
export function findComponent(containers: readonly Container[]): ComponentContainer | undefined {
  const container =
    containers.find((c) => c.name === TransformerContainerName) ??
    containers.find((c) => c.name === InferenceServiceContainerName) ??
    containers[0];
  if (!container) return undefined;
  return {
    container,
    name: container.name,
    readinessProbe: container.readinessProbe,
    port: container.ports?.[0]?.containerPort ?? InferenceServiceDefaultHttpPort,
    ports: container.ports,
  };
}
