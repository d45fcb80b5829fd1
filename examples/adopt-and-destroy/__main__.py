"""Adopt images by digest; `pulumi destroy` deletes them (waiting for each Operation).

Config: `repository` and `digests` (a JSON list), both required. The list is explicit on purpose: an adopted
image is deleted when its resource leaves the program, so the set must not change behind the user's back
(deriving it from a lookup, e.g. "every untagged image", would delete an image that got tagged since).
Each resource is named after its digest, so reordering the list changes nothing.
"""

import pulumi

import pulumi_yc_registry as yc

config = pulumi.Config()
repository = config.require("repository")
digests = config.require_object("digests")

adopted = [
    yc.Image(f"image-{digest.split(':', 1)[-1][:12]}", repository_name=repository, digest=digest,
             delete_timeout=600)
    for digest in digests
]

pulumi.export("repository", repository)
pulumi.export("adopted_ids", [image.image_id for image in adopted])
pulumi.export("adopted_uris", [image.uri for image in adopted])
pulumi.export("adopted_bytes", pulumi.Output.all(*[image.compressed_size for image in adopted]).apply(sum))
