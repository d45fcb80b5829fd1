"""The native plugin's invokes (getImages, getImage by tag, digest and id) in every world after 2026-12-14, one
plugin process per world configured through Configure, each counting its calls to the dead service."""

from __future__ import annotations


import pytest
from plugin_support import FakeEngine, NativePlugin, plugin_env, secret

from harness.worlds import CONTAINER_ONLY, World
from yc_registry_provider.fake import DEMO_FOLDER_ID, DEMO_TOKEN

GET_IMAGES = "yc-registry:index:getImages"
GET_IMAGE = "yc-registry:index:getImage"


def plugin_for(world: World, fake_engine: FakeEngine) -> NativePlugin:
    native = NativePlugin(fake_engine.address, plugin_env())
    config = {"endpoint": world.cloud.server.address, "plaintext": True, "token": secret(DEMO_TOKEN),
              "folderId": DEMO_FOLDER_ID}
    if world.today:
        config["today"] = world.today
    native.configure(config)
    return native


def test_the_plugins_invokes_are_served_by_the_live_service(world: World, fake_engine: FakeEngine) -> None:
    # given the world in place and a plugin process configured for it
    world.shut_down()
    v1 = world.images["v1"]
    live_id = v1.id if world.name == CONTAINER_ONLY else world.successor_id("v1")
    with plugin_for(world, fake_engine) as plugin:
        # when the repository is listed and one image is looked up by tag, digest and id
        listed = plugin.invoke(GET_IMAGES, {"repositoryName": world.repository})
        found = [plugin.invoke(GET_IMAGE, {"repositoryName": world.repository, "tag": "v1"}),
                 plugin.invoke(GET_IMAGE, {"repositoryName": world.repository, "digest": v1.digest}),
                 plugin.invoke(GET_IMAGE, {"imageId": live_id})]
    # then the live service answered every one
    assert sorted(i["digest"] for i in listed["images"]) == sorted(i.digest for i in world.images.values())
    assert {(f["service"], f["digest"]) for f in found} == {(world.serving, v1.digest)}
    # and the dead service was not asked (Container Registry only: Cloud Registry once, learnt as missing; both
    # services before the shutdown date: the id is asked of Container Registry first, once)
    assert world.dead_calls() == (0 if world.answer else 1), world.model.calls
