"""The native plugin serves many deletes at once (the Python dynamic-provider server serves 4).

A `pulumi destroy` of many Images sends up to `--parallel` Deletes at once (by default 4 per CPU); each waits for
its Operation. The plugin runs that blocking work in `PLUGIN_THREADS` threads, not asyncio's default pool
(min(32, CPUs + 4): 6 on 2 cores), so the waits overlap. Measured from the fake's own records: each delete
Operation lasts exactly `operation_duration` from its `created_at`, so the peak overlap is how many ran at once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from harness.cloud import peak_overlap
from harness.plugin import struct_to_dict
from plugin_support import NativePlugin, Registry, urn

from yc_registry_provider.fake import add_image
from yc_registry_provider.plugin.provider import PLUGIN_THREADS

IMAGE = "yc-registry:index:Image"
DELETES = 12          # more than the dynamic server's 4 and asyncio's default pool of 6 on 2 cores
OPERATION_SECONDS = 3.0


def test_twelve_deletes_sent_at_once_run_at_once(plugin: NativePlugin, registry: Registry) -> None:
    # given 12 adopted images, each on its own, and delete operations of 3 s
    assert PLUGIN_THREADS >= DELETES
    ids = [add_image(registry.model, registry.registry_id, f"parallel-{n}").id for n in range(DELETES)]
    outs = {image_id: struct_to_dict(plugin.create(urn(IMAGE, f"p{n}"), {"imageId": image_id}).properties)
            for n, image_id in enumerate(ids)}
    plugin.new_deployment()  # pulumi destroy: a deployment of its own
    known = set(registry.model.operations)
    registry.model.knobs.operation_duration = OPERATION_SECONDS
    try:
        # when the engine sends all 12 Deletes at once
        with ThreadPoolExecutor(DELETES) as pool:
            list(pool.map(lambda pair: plugin.delete(urn(IMAGE, f"p{pair[0]}"), pair[1], outs[pair[1]]),
                          enumerate(ids)))
    finally:
        registry.model.knobs.operation_duration = 0.0
    # then every image is gone, and the fake saw all 12 delete operations running together
    assert not set(ids) & set(registry.model.images)
    starts = [op.created_at for op_id, op in registry.model.operations.items() if op_id not in known]
    assert len(starts) == DELETES
    assert peak_overlap(starts, OPERATION_SECONDS) == DELETES
