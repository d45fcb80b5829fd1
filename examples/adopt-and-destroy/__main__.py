"""Adopt images by digest; `pulumi destroy` deletes them (waiting for each Operation).

Config: `repository` (required) and `digests` (a JSON list, optional: by default every untagged image
of the repository is adopted, a common clean-up of leftovers).
"""

import pulumi

import pulumi_yc_registry as yc

config = pulumi.Config()
repository = config.require("repository")
digests = config.get_object("digests")
if digests is None:
    found = yc.get_images(repository_name=repository)
    digests = [image.digest for image in found.images if not image.tags]

adopted = [
    yc.Image(f"image-{n}", repository_name=repository, digest=digest, delete_timeout=600)
    for n, digest in enumerate(digests)
]

pulumi.export("repository", repository)
pulumi.export("adopted_ids", [image.image_id for image in adopted])
pulumi.export("adopted_uris", [image.uri for image in adopted])
pulumi.export("adopted_bytes", pulumi.Output.all(*[image.compressed_size for image in adopted]).apply(sum))
