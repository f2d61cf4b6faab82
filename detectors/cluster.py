"""A site on Ray, for sites that outgrow one machine: camera workers as actors the engine restarts,
the detector as a Ray Serve deployment that batches frames from every camera.

``place_site`` connects the site to a running Ray cluster and places, for every enabled camera,
a ``CameraActor`` (the ordinary ``CameraWorker`` loop: decode, gate, track, zones, outbox) and, once
for the site, the ``DetectorDeployment`` (Ultralytics' predictor on the site's model file, frames of
all cameras batched by ``serve.batch``, one replica per GPU, or one on CPU). Ray restarts a camera
actor that dies, on another node when its own is gone; the new incarnation opens the same outbox
in the site's data directory, which every node sees, so what the dead one had not yet delivered is
delivered now, and the store keeps each record once by its id.

The one-machine default needs none of this (``detectors.supervisor``); only this module and
``ops_cli.cluster`` import Ray.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import ray
from ray import serve
from ray.serve.handle import DeploymentHandle

from detectors.detection import PERSON
from detectors.model import PersonModel, inference_threads
from detectors.shared import REPLY_TIMEOUT_S, predict_batch
from detectors.supervisor import ProcessState
from detectors.worker import CameraWorker
from ops_center.config import ModelConfig, SiteConfig
from ops_center.config_watch import SiteFile
from ops_center.errors import ModelUnavailable

log = logging.getLogger(__name__)

APP = "ops-center-detector"
DEPLOYMENT = "detector"
NAMESPACE = "ops-center"
BATCH_WAIT_S = 0.01  # how long a frame waits for others to share its inference
CAMERA_CPUS = 0.5  # decoding, gating and tracking one camera at 5 fps; the detector is elsewhere
DETECTOR_CPUS = 1.0  # a replica on a node without GPUs
RESTART_AFTER_S = 5.0  # a camera whose source failed exits after this long, and Ray starts it again
STOP_TIMEOUT_S = 30.0


@serve.deployment(name=DEPLOYMENT, max_ongoing_requests=64, logging_config={"enable_access_log": False})
class DetectorDeployment:
    """The site's model in Ray Serve: frames that arrive together go through one ``predict``."""

    def __init__(self, config: ModelConfig) -> None:
        self.model = PersonModel(config, inference_threads(config, detectors_on_host=1))
        self.predict.set_max_batch_size(config.max_batch)  # type: ignore[attr-defined]  # serve.batch's setter

    @serve.batch(max_batch_size=8, batch_wait_timeout_s=BATCH_WAIT_S)
    async def predict(self, requests: list[tuple[np.ndarray, tuple[int, ...]]]) -> list[np.ndarray]:
        """Boxes for each (frame, classes) request of a batch."""
        found, _ = await asyncio.to_thread(  # off the event loop: the next frames queue up meanwhile
            predict_batch, self.model, [image for image, _ in requests], [classes for _, classes in requests]
        )
        return found


class ServedModel:
    """The site's ``DetectorDeployment`` as a camera's ``SharedDetector`` asks it."""

    def __init__(self, handle: DeploymentHandle, timeout_s: float = REPLY_TIMEOUT_S) -> None:
        self.handle = handle
        self.timeout_s = timeout_s

    def predict(self, images: Sequence[np.ndarray], classes: Sequence[int] = (PERSON,)) -> list[np.ndarray]:
        """Boxes for each image; ``ModelUnavailable`` while no replica answers."""
        wanted = tuple(classes)
        try:
            answers = [self.handle.predict.remote((image, wanted)) for image in images]
            return [np.array(answer.result(timeout_s=self.timeout_s)) for answer in answers]  # writable copies
        except Exception as exc:  # a replica that died or timed out: the camera carries on and asks again
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ModelUnavailable(f"the cluster's detector did not answer: {first}") from None


@ray.remote(max_restarts=-1, max_task_retries=-1, num_cpus=CAMERA_CPUS)
class CameraActor:
    """One camera's worker in a Ray actor; Ray restarts it (on another node when its own is gone).

    Its constructor starts the worker loop, so a restarted actor carries on by itself with the
    same arguments: the site's configuration, the camera's id and the site file. Like a local worker,
    it takes the zones, lines and spaces of the changed site file while it runs (``SiteFile.watch``);
    its first look at the file takes what changed before it started, so a restarted actor does not
    fall back to its first incarnation's geometry.
    """

    def __init__(self, config: SiteConfig, camera_id: str, site_file: SiteFile | None = None) -> None:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("detectors").setLevel(logging.INFO)  # alarms and outages in the actor's log
        logging.getLogger("ops_center.config_watch").setLevel(logging.INFO)
        handle = serve.get_deployment_handle(DEPLOYMENT, app_name=APP)
        watch = site_file.watch(report_first=True) if site_file else None
        self.worker = CameraWorker(config, camera_id, shared_model=ServedModel(handle), watch=watch)
        self.state = ProcessState.RUNNING
        self._thread = threading.Thread(target=self._run, name=f"camera:{camera_id}", daemon=True)
        self._thread.start()

    def where(self) -> dict[str, Any]:
        """Where and how the camera runs: its node's id, its process, its state, frames processed."""
        return {
            "node_id": ray.get_runtime_context().get_node_id(),
            "pid": os.getpid(),
            "state": self.state,
            "frames_processed": self.worker.frames_processed,
        }

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> ProcessState:
        """End the loop and wait for the worker to drain its outbox; returns the camera's state."""
        self.worker.stop()
        self._thread.join(timeout_s)
        return self.state

    def _run(self) -> None:
        try:
            self.worker.run()
        except Exception as exc:  # a failed source or a bad config: say so, then let Ray start the actor again
            self.state = ProcessState.FAILED
            log.error("camera %s: %s; restarting in %g s", self.worker.camera.id, exc, RESTART_AFTER_S)
            if not self.worker.stopping.wait(RESTART_AFTER_S):
                os._exit(1)
            return
        self.state = ProcessState.STOPPED if self.worker.stopping.is_set() else ProcessState.FINISHED


def detector_options(gpus: float) -> dict[str, Any]:
    """The detector deployment's replicas and resources: one replica per GPU, or one on CPU."""
    if gpus >= 1:
        return {"num_replicas": int(gpus), "ray_actor_options": {"num_gpus": 1, "num_cpus": 1}}
    return {"num_replicas": 1, "ray_actor_options": {"num_cpus": DETECTOR_CPUS}}


@dataclass
class ClusterSite:
    """A site placed on a Ray cluster: its camera actors by camera id."""

    cameras: dict[str, Any] = field(default_factory=dict)

    def where(self, timeout_s: float = 10.0) -> dict[str, dict[str, Any]]:
        """Each camera's ``CameraActor.where()``; ``{"state": "not answering"}`` for one that does not answer
        within ``timeout_s`` (Ray is still starting it, or starting it again)."""
        refs = {cid: actor.where.remote() for cid, actor in self.cameras.items()}
        ready, _ = ray.wait(list(refs.values()), num_returns=len(refs), timeout=timeout_s)
        return {cid: ray.get(ref) if ref in ready else {"state": "not answering"} for cid, ref in refs.items()}

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """Stop every camera (each drains its outbox), then the actors and the detector deployment."""
        refs = [actor.stop.remote(timeout_s) for actor in self.cameras.values()]
        ray.wait(refs, num_returns=len(refs), timeout=timeout_s + 5)
        for actor in self.cameras.values():
            ray.kill(actor, no_restart=True)
        serve.delete(APP)


Placement = Callable[[str], Any]  # camera id -> a Ray scheduling strategy


def place_site(
    config: SiteConfig,
    placement: Placement | None = None,
    detector: dict[str, Any] | None = None,
    site_file: SiteFile | None = None,
) -> ClusterSite:
    """Deploy the site's detector and start a ``CameraActor`` for each enabled camera on the connected cluster.

    ``site_file``: the file ``config`` was loaded from, which every camera watches for new geometry
    (on a path every node sees, as the data directory; ``${VAR}`` in it from each node's environment);
    ``placement``: the scheduling strategy of each camera (default: spread over the nodes);
    ``detector``: options for the detector deployment (default: ``detector_options`` for the cluster's GPUs).
    """
    serve.start(proxy_location="Disabled")
    options = detector or detector_options(ray.cluster_resources().get("GPU", 0))
    deployment = DetectorDeployment.options(**options)  # type: ignore[attr-defined]  # a serve.Deployment
    serve.run(deployment.bind(config.model), name=APP, route_prefix=None)
    site = ClusterSite()
    for camera in config.cameras:
        if camera.enabled:
            strategy = placement(camera.id) if placement else "SPREAD"
            site.cameras[camera.id] = CameraActor.options(  # type: ignore[attr-defined]
                name=f"camera:{camera.id}", namespace=NAMESPACE, scheduling_strategy=strategy
            ).remote(config, camera.id, site_file)
    return site
