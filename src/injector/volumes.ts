import type { Container, Volume, VolumeMount } from "kubernetes-types/core/v1.js";
import * as k from "../constants.js";

/** A volume for the pod and the mount that goes with it. */
export interface VolumeWithMount {
  readonly volume: Volume;
  readonly mount: VolumeMount;
}

/** The logger's CA bundle ConfigMap, optional so a missing one never blocks the pod. */
export function caBundleVolume(configMapName: string): VolumeWithMount {
  return {
    volume: { name: k.LoggerCaBundleVolume, configMap: { name: configMapName, optional: true } },
    mount: { name: k.LoggerCaBundleVolume, mountPath: k.LoggerCaCertMountPath, readOnly: true },
  };
}

/** The model directory the puller fills and the model server reads. */
export function modelDirVolume(): VolumeWithMount {
  return {
    volume: { name: k.ModelDirVolumeName, emptyDir: {} },
    mount: { name: k.ModelDirVolumeName, mountPath: k.ModelDir },
  };
}

/** The model-config ConfigMap the puller watches. */
export function modelConfigVolume(configMapName: string): VolumeWithMount {
  return {
    volume: { name: k.ModelConfigVolumeName, configMap: { name: configMapName } },
    mount: { name: k.ModelConfigVolumeName, mountPath: k.ModelConfigDir },
  };
}

/** `volumes` plus `added`, skipping names already there (kserve `appendVolume`). */
export function appendVolumes(
  volumes: readonly Volume[] | null | undefined,
  added: readonly Volume[],
): Volume[] {
  const out = [...(volumes ?? [])];
  for (const volume of added) {
    if (!out.some((existing) => existing.name === volume.name)) out.push(volume);
  }
  return out;
}

/**
 * A copy of `container` with `mount` added, unless it already mounts that volume or that path
 * (a second mount of either makes the pod invalid).
 */
export function withMount(container: Container, mount: VolumeMount): Container {
  const mounts = container.volumeMounts ?? [];
  if (mounts.some((m) => m.name === mount.name || m.mountPath === mount.mountPath)) return container;
  return { ...container, volumeMounts: [...mounts, mount] };
}
